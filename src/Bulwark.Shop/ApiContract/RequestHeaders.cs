using Bulwark.Shop.Checkout;
using Bulwark.Shop.WaitingRoom;
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

            if (parameter is { In: ParameterLocation.Header, Name: CheckoutAdmission.Header })
            {
                parameter.Description = """
                    The admission from GET /api/waiting-room/{ticket}, needed while a sale holding an item of the cart is open
                    or while checkout is over capacity (otherwise ignored). Without a valid one such a checkout answers 429 with
                    problem type urn:bulwark:problem:waiting-room. One admission buys once: a retry with the same
                    Idempotency-Key is fine, another purchase is refused.
                    """;
            }
        }

        return Task.CompletedTask;
    }
}
