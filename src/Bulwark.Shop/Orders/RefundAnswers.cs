using System.Globalization;
using Bulwark.Shop.Checkout;
using Bulwark.Shop.Errors;
using Bulwark.Shop.Payments;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.Shop.Orders;

/// <summary>
/// How a refund or cancellation is answered, the same for the owner and an admin: 200 with the order once the
/// money is back (also when it already was: asking twice is safe), 202 while the outcome is open, 404, 409 with
/// the reason the order cannot be refunded now, 502 when the gateway refused, 503 while payments are unavailable.
/// </summary>
public static class RefundAnswers
{
    public static async Task<Results<Ok<T>, Accepted<T>, ProblemHttpResult>> AnswerAsync<T>(
        RefundResult result, long orderId, Func<Task<T?>> current, Func<T, string> statusOf, string location, HttpContext context, GatewayCallBudget budget, TimeSpan? window)
        where T : class
    {
        switch (result)
        {
            case RefundResult.PaymentsUnavailable unavailable:
                context.Response.Headers.RetryAfter = Math.Ceiling(unavailable.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                return TypedResults.Problem(type: CheckoutApi.PaymentsUnavailableType, title: "Payments unavailable",
                    detail: "The payment gateway keeps failing, so the shop is not sending refunds to it for now. Nothing changed; retry after the given time.",
                    statusCode: StatusCodes.Status503ServiceUnavailable);
            case RefundResult.Refused refused:
                return TypedResults.Problem(title: "Refund refused by the gateway", detail: $"{refused.Detail} Nothing was refunded; the order is still paid.",
                    statusCode: StatusCodes.Status502BadGateway, extensions: Extensions(orderId, OrderStatus.Paid));
            case RefundResult.NotClaimed { Claim: RefundClaim.NotFound }:
                return Problems.NotFound($"There is no order {orderId} you can refund or cancel.");
            case RefundResult.NotClaimed { Claim: RefundClaim.NotClaimed refusal } when Refusal(refusal, orderId, window) is { } problem:
                return problem;
        }

        // Done, pending, or already refunded / pending by an earlier request: answer the order as it stands. A
        // gateway call that ran out of time has left the request little of its deadline; the read gets at least
        // the settle reserve, as recording the outcome did.
        T? order;
        using (budget.SettleDeadline())
        {
            order = await current();
        }

        if (order is null)
        {
            return Problems.NotFound($"There is no order {orderId}.");
        }

        // Read after the fact: a refund another request (or the reconciler) settled meanwhile is answered as done.
        return statusOf(order) == OrderStatus.RefundPending ? TypedResults.Accepted(location, order) : TypedResults.Ok(order);
    }

    /// <summary>Why an order that was not claimed cannot be refunded now; null when it already is (or is being) refunded.</summary>
    private static ProblemHttpResult? Refusal(RefundClaim.NotClaimed claim, long orderId, TimeSpan? window) => claim.Status switch
    {
        OrderStatus.Refunded or OrderStatus.Cancelled or OrderStatus.RefundPending => null,
        // Mid-payment the charge may still land: refunding it now would race the reconciler's settlement, and
        // cancelling without a refund could leave a charge behind. Once paid (or failed) the answer is clear.
        OrderStatus.PendingPayment => Conflict("Payment in progress", orderId, claim.Status,
            $"Order {orderId} is still awaiting its payment outcome and cannot be cancelled or refunded mid-payment. "
            + "Try again once it is paid; if the payment fails, nothing is charged and the stock comes back by itself."),
        OrderStatus.PaymentFailed => Conflict("Nothing to refund", orderId, claim.Status,
            $"Order {orderId}'s payment failed: nothing was charged and its items are already back in stock."),
        OrderStatus.Paid when !claim.WithinWindow => Conflict("Cancel window over", orderId, claim.Status,
            $"Order {orderId} was placed more than {Describe(window)} ago and can no longer be cancelled; ask the shop for a refund."),
        _ => Conflict("Order changed", orderId, claim.Status, $"Order {orderId} changed while this request was made; read it again and retry."),
    };

    private static ProblemHttpResult Conflict(string title, long orderId, string status, string detail) =>
        Problems.Conflict(title, detail, Extensions(orderId, status));

    private static Dictionary<string, object?> Extensions(long orderId, string status) =>
        new() { ["orderId"] = orderId, ["orderStatus"] = status };

    private static string Describe(TimeSpan? window) => window is { } span
        ? span.TotalMinutes < 120 ? $"{span.TotalMinutes:0} minutes" : $"{span.TotalHours:0.#} hours"
        : "the cancel window";
}
