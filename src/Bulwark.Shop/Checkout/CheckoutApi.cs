using System.Globalization;
using Bulwark.Guard.Edge;
using System.Security.Claims;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Accounts;
using Bulwark.Shop.Errors;
using Bulwark.Shop.Payments;
using Bulwark.Shop.WaitingRoom;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Bulwark.Shop.Checkout;

public static class CheckoutApi
{
    public const int MaxIdempotencyKeyLength = 200;
    public const int MaxPaymentTokenLength = 200;

    public static void AddCheckout(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CoalescingOptions>().BindConfiguration(CoalescingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<StockReservation>();
        builder.Services.AddScoped<CheckoutService>();
        builder.Services.AddSingleton<PaymentReconciler>();
        builder.Services.AddHostedService(services => services.GetRequiredService<PaymentReconciler>());
    }

    public static void MapCheckoutApi(this WebApplication app) =>
        app.MapPost("/api/checkout", Checkout).WithTags("Checkout").RequireAuthorization().WithPriority(Priority.Critical)
            // A buyer whose turn came in the waiting room is not shed at the edge: the room metered them in.
            .WithPreAdmission(app.Services.GetRequiredService<AdmissionPass>())
            .WithSummary("Buy the cart: reserve the stock, charge the payment token, record the order")
            .ProducesProblem(StatusCodes.Status402PaymentRequired)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<Results<Created<OrderReceipt>, Ok<OrderReceipt>, Accepted<OrderReceipt>, ValidationProblem, ProblemHttpResult>> Checkout(
        CheckoutRequest body, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        [FromHeader(Name = CheckoutAdmission.Header)] string? admissionHeader,
        ClaimsPrincipal user, CheckoutService checkout, CheckoutAdmission admission, CheckoutThroughput throughput, HttpContext context,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey))
        {
            return Problems.Invalid("Idempotency-Key", "The Idempotency-Key header is required: a unique value per purchase, reused when retrying it.");
        }

        if (idempotencyKey.Length > MaxIdempotencyKeyLength)
        {
            return Problems.Invalid("Idempotency-Key", $"The Idempotency-Key header must be at most {MaxIdempotencyKeyLength} characters.");
        }

        if (string.IsNullOrWhiteSpace(body.PaymentToken) || body.PaymentToken.Length > MaxPaymentTokenLength)
        {
            return Problems.Invalid("paymentToken", $"paymentToken is required (at most {MaxPaymentTokenLength} characters).");
        }

        // During a sale or above capacity, buyers take turns through the waiting room (issue 11).
        if (await admission.CheckAsync(context, user.UserId(), idempotencyKey, admissionHeader, cancellationToken) is { } refused)
        {
            return refused;
        }

        CheckoutResult result;
        try
        {
            result = await checkout.CheckoutAsync(user.UserId(), idempotencyKey, body.PaymentToken, cancellationToken);
        }
        catch (AdmissionRejectedException rejected) when (rejected.Reason is not RejectionReason.Cancelled)
        {
            // Refused for time or room: the waiting room let out more than checkout can serve.
            throughput.RecordRefused();
            throw;
        }

        if (result is CheckoutResult.Paid or CheckoutResult.Declined or CheckoutResult.OutcomeUnknown)
        {
            // A checkout carried through: what the waiting room lets buyers out at.
            throughput.Record();
        }
        else if (result is CheckoutResult.OutOfTime)
        {
            throughput.RecordRefused();
        }

        return result switch
        {
            CheckoutResult.Paid paid => TypedResults.Created($"/api/orders/{paid.Order.OrderId}", paid.Order),
            CheckoutResult.Repeated repeated => TypedResults.Ok(repeated.Order),
            CheckoutResult.OutcomeUnknown pending => TypedResults.Accepted($"/api/orders/{pending.Order.OrderId}", pending.Order),
            CheckoutResult.Declined declined => TypedResults.Problem(title: "Payment declined", detail: declined.Detail,
                statusCode: StatusCodes.Status402PaymentRequired, extensions: OrderExtensions(declined.Order)),
            CheckoutResult.GatewayFailed failed => TypedResults.Problem(title: "Payment gateway error",
                detail: $"{failed.Detail} You were not charged and the items are back in stock; retry with a new Idempotency-Key.",
                statusCode: StatusCodes.Status502BadGateway, extensions: OrderExtensions(failed.Order)),
            CheckoutResult.OutOfTime late => OutOfTime(late.Order, context),
            CheckoutResult.PaymentsUnavailable unavailable => PaymentsUnavailable(unavailable, context),
            CheckoutResult.Rejected { Reason: Reservation.EmptyCart } => Problems.Invalid("cart", "The cart is empty."),
            CheckoutResult.Rejected { Reason: Reservation.OutOfStock scarce } => Problems.Conflict("Out of stock",
                $"Product {scarce.ProductId} ({scarce.Sku}): {scarce.Requested} requested, {scarce.Available} available.",
                new Dictionary<string, object?> { ["productId"] = scarce.ProductId, ["sku"] = scarce.Sku, ["available"] = scarce.Available }),
            CheckoutResult.Rejected { Reason: Reservation.NoLongerSold gone } => Problems.Conflict("No longer sold",
                $"Product {gone.ProductId} ({gone.Sku}) was taken out of the catalog; remove it from the cart (DELETE /api/cart/items/{gone.ProductId}) and check out again.",
                new Dictionary<string, object?> { ["productId"] = gone.ProductId, ["sku"] = gone.Sku }),
            CheckoutResult.Rejected { Reason: Reservation.SaleNotOpen early } => TypedResults.Problem(type: SaleNotOpenType,
                title: "Sale not open yet",
                detail: $"Product {early.ProductId} ({early.Sku}) is held for sale {early.SaleId}, which opens at {early.StartsAt:O}; check out then (GET /api/sales/{early.SaleId} counts down).",
                statusCode: StatusCodes.Status409Conflict,
                extensions: new Dictionary<string, object?> { ["productId"] = early.ProductId, ["sku"] = early.Sku, ["saleId"] = early.SaleId, ["startsAt"] = early.StartsAt }),
            CheckoutResult.Rejected { Reason: Reservation.SaleSoldOut gone } =>
                SaleSoldOut(gone.SaleId, gone.ProductId, gone.Sku, gone.Requested, gone.Available, gone.EndsAt),
            _ => throw new InvalidOperationException($"Unhandled checkout result {result}."),
        };
    }

    private static ProblemHttpResult OutOfTime(OrderReceipt order, HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return TypedResults.Problem(title: "Out of time",
            detail: "The shop was too busy to reach the payment gateway within this request's deadline. You were not charged and the items are back in stock; retry with a new Idempotency-Key.",
            statusCode: StatusCodes.Status503ServiceUnavailable, extensions: OrderExtensions(order));
    }

    private static ProblemHttpResult PaymentsUnavailable(CheckoutResult.PaymentsUnavailable unavailable, HttpContext context)
    {
        context.Response.Headers.RetryAfter = Math.Ceiling(unavailable.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(type: PaymentsUnavailableType, title: "Payments unavailable",
            detail: "The payment gateway keeps failing, so the shop is not sending payments to it for now. You were not charged"
                + (unavailable.Order is null ? " and nothing was reserved" : " and the items are back in stock")
                + "; retry after the given time with a new Idempotency-Key.",
            statusCode: StatusCodes.Status503ServiceUnavailable,
            extensions: unavailable.Order is { } order ? OrderExtensions(order) : null);
    }

    /// <summary>The problem type of a checkout holding an item of a sale that has not started.</summary>
    public const string SaleNotOpenType = "urn:bulwark:problem:sale-not-open";

    /// <summary>The problem type of a checkout holding an item whose sale has no units left (the product may still have regular stock).</summary>
    public const string SaleSoldOutType = "urn:bulwark:problem:sale-sold-out";

    /// <summary>
    /// A sale's "sold out", as checkout answers it and as the cart does before it (<c>CartApi</c>, from memory, where the
    /// SKU is not known): the product may still have regular stock, sold again after the window.
    /// </summary>
    public static ProblemHttpResult SaleSoldOut(long saleId, long productId, string? sku, int requested, int available, DateTimeOffset endsAt) =>
        TypedResults.Problem(type: SaleSoldOutType, title: "Sold out",
            detail: $"Sale {saleId} has sold its units of product {productId}{(sku is null ? "" : $" ({sku})")}: {requested} requested, {available} left at the sale price. "
                + $"During the sale it sells only at the sale price; after {endsAt:O} it sells at the regular price again.",
            statusCode: StatusCodes.Status409Conflict,
            extensions: new Dictionary<string, object?> { ["productId"] = productId, ["sku"] = sku, ["saleId"] = saleId, ["available"] = available, ["endsAt"] = endsAt });

    /// <summary>The problem type of a checkout refused because the gateway's circuit is open.</summary>
    public const string PaymentsUnavailableType = "urn:bulwark:problem:payments-unavailable";

    private static Dictionary<string, object?> OrderExtensions(OrderReceipt order) =>
        new() { ["orderId"] = order.OrderId, ["orderStatus"] = order.Status };
}
