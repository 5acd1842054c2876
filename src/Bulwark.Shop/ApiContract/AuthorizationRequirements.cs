using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Bulwark.Shop.ApiContract;

/// <summary>
/// Who may call each operation, read from the endpoint's own authorization metadata: the schemes its
/// policy accepts (any one of them will do), or an explicit "no credentials" for public operations.
/// The 401/403 answers themselves come from <see cref="PipelineAnswer"/>.
/// </summary>
public sealed class AuthorizationRequirements(IAuthorizationPolicyProvider policies, IAuthenticationSchemeProvider schemes) : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        SecuritySchemes.AddTo(context.Document!);
        operation.Security ??= [];
        if (!EndpointAuthorization.IsRequired(metadata))
        {
            // An empty list says "public" explicitly, rather than leaving readers to guess.
            return;
        }

        var policy = await AuthorizationPolicy.CombineAsync(policies, metadata.OfType<IAuthorizeData>().ToList(),
            metadata.OfType<AuthorizationPolicy>().ToList());
        var accepted = policy is { AuthenticationSchemes.Count: > 0 }
            ? policy.AuthenticationSchemes
            : [(await schemes.GetDefaultAuthenticateSchemeAsync())?.Name ?? string.Empty];
        foreach (var name in accepted.Select(SecuritySchemes.NameOf).OfType<string>().Distinct())
        {
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(name, context.Document)] = [] });
        }
    }
}
