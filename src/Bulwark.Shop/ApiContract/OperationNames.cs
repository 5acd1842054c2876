using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Bulwark.Shop.ApiContract;

/// <summary>
/// A stable operationId for each operation, from the API class and handler that serve it
/// (<c>Catalog_ListProducts</c>), so generated clients get readable method names.
/// </summary>
public sealed class OperationNames : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.OperationId is null
            && context.Description.ActionDescriptor.EndpointMetadata.OfType<System.Reflection.MethodInfo>().FirstOrDefault() is { DeclaringType: { } type } handler)
        {
            var feature = type.Name.EndsWith("Api", StringComparison.Ordinal) ? type.Name[..^3] : type.Name;
            operation.OperationId = $"{feature}_{handler.Name}";
        }

        return Task.CompletedTask;
    }
}
