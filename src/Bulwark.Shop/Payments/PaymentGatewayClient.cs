using System.Net;
using System.Net.Http.Json;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Bulwark.Shop.Payments;

/// <summary>
/// The typed client of the payment gateway. It never runs while a database connection is held, and each
/// attempt gets only the time the request's deadline leaves (the pipeline's timeout, from
/// <see cref="GatewayCallBudget"/>), so a slow gateway costs one request its deadline instead of costing the
/// shop its connection pool (incident 5). When the gateway keeps failing, the pipeline's circuit breaker
/// refuses calls without sending them. No call is ever retried here: a charge is only asked about again
/// by its idempotency key, by the reconciler.
/// </summary>
public sealed class PaymentGatewayClient(HttpClient http, GatewayCallBudget budget, ILogger<PaymentGatewayClient> logger)
{
    /// <summary>The key under which the gateway knows an order's charge.</summary>
    public static string KeyFor(long orderId) => $"order-{orderId}";

    public async Task<PaymentOutcome> ChargeAsync(ChargeRequest request, CancellationToken cancellationToken)
    {
        if (budget.Remaining() <= TimeSpan.Zero)
        {
            // Sending now could only end in "outcome unknown"; not sending means the customer was certainly not charged.
            return new PaymentOutcome(PaymentResult.NotAttempted, null, "The request ran out of time before the payment could be sent.");
        }

        try
        {
            using var response = await http.PostAsJsonAsync("v1/charges", new
            {
                amountCents = request.AmountCents,
                currency = request.Currency,
                token = request.Token,
                idempotencyKey = request.IdempotencyKey,
            }, cancellationToken);
            return await ReadAsync(response, cancellationToken);
        }
        catch (BrokenCircuitException)
        {
            // Refused by the breaker before anything was sent: certainly not charged.
            return new PaymentOutcome(PaymentResult.Unavailable, null, "Payments are unavailable: the payment gateway keeps failing.");
        }
        catch (Exception exception) when (IsUnanswered(exception, cancellationToken))
        {
            // The request may have reached the gateway: whether money moved is unknown until the reconciler asks.
            logger.LogWarning("Payment {Key} outcome unknown: {Message}", request.IdempotencyKey, exception.Message);
            return new PaymentOutcome(PaymentResult.Unknown, null, "The payment gateway did not answer in time.");
        }
    }

    public async Task<PaymentOutcome> LookupAsync(string idempotencyKey, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync($"v1/charges/by-key/{Uri.EscapeDataString(idempotencyKey)}", cancellationToken);
            return response.StatusCode == HttpStatusCode.NotFound
                ? new PaymentOutcome(PaymentResult.NotFound, null, "The gateway has no charge under this key.")
                : await ReadAsync(response, cancellationToken);
        }
        catch (Exception exception) when (exception is BrokenCircuitException || IsUnanswered(exception, cancellationToken))
        {
            return new PaymentOutcome(PaymentResult.Unknown, null, $"The payment gateway could not be asked: {exception.Message}");
        }
    }

    /// <summary>No answer: the call timed out or the connection failed, and not because our caller gave up.</summary>
    private static bool IsUnanswered(Exception exception, CancellationToken cancellationToken) =>
        exception is TimeoutRejectedException or HttpRequestException or OperationCanceledException
        && !cancellationToken.IsCancellationRequested;

    private static async Task<PaymentOutcome> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if ((int)response.StatusCode >= 500)
        {
            return new PaymentOutcome(PaymentResult.Failed, null, $"The payment gateway failed ({(int)response.StatusCode}).");
        }

        if (!response.IsSuccessStatusCode)
        {
            // The gateway rejected the request itself (e.g. an unknown token): the customer's payment, not the shop, is at fault.
            return new PaymentOutcome(PaymentResult.Declined, null, "The payment gateway rejected the payment details.");
        }

        var charge = await response.Content.ReadFromJsonAsync<GatewayCharge>(cancellationToken)
            ?? throw new HttpRequestException("The payment gateway sent an empty charge.");
        return charge.Status switch
        {
            "succeeded" => new PaymentOutcome(PaymentResult.Succeeded, charge.Id, "Paid."),
            "declined" => new PaymentOutcome(PaymentResult.Declined, charge.Id, "The card was declined."),
            _ => new PaymentOutcome(PaymentResult.Unknown, charge.Id, $"The gateway reported status '{charge.Status}'."),
        };
    }

    private sealed record GatewayCharge(string Id, string Status);
}
