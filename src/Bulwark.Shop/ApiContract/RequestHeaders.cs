using Bulwark.Shop.Checkout;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Bulwark.Shop.ApiContract;

/// <summary>
/// What the shop's own request headers mean. The handlers bind them with <c>[FromHeader]</c>, which gives
/// the name and type; the rules a client must follow are written here, once.
/// </summary>
public sealed class RequestHeaders : IOpenApiOperationTransformer
{
    public const string IdempotencyKey = "Idempotency-Key";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter is { In: ParameterLocation.Header, Name: IdempotencyKey })
            {
                // Bound as optional so that a missing key is answered with a problem that says so (400), but required all the same.
                parameter.Required = true;
                if (parameter.Schema is OpenApiSchema schema)
                {
                    schema.MinLength = 1;
                    schema.MaxLength = CheckoutApi.MaxIdempotencyKeyLength;
                }

                parameter.Description = $"""
                    A unique value per purchase (at most {CheckoutApi.MaxIdempotencyKeyLength} characters), reused when retrying
                    that purchase: the same key again answers the same order (200) instead of buying twice. Missing or too long: 400.
                    """;
            }
        }

        return Task.CompletedTask;
    }
}
