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
/// refuses calls without sending them — charges and refunds alike, since they fail together. No call is
/// ever retried here: a charge or refund whose outcome is unknown is only asked about (or sent) again under
/// its idempotency key, by the reconciler.
/// </summary>
public sealed class PaymentGatewayClient(HttpClient http, IHttpClientFactory clients, GatewayCallBudget budget, ILogger<PaymentGatewayClient> logger)
{
    /// <summary>The named client for lookups by key: the same gateway and timeouts, outside the circuit breaker.</summary>
    public const string LookupClient = "payment-gateway-lookups";

    /// <summary>The key under which the gateway knows an order's charge.</summary>
    public static string KeyFor(long orderId) => $"order-{orderId}";

    /// <summary>The key under which the gateway knows an order's refund: one per order, so an order is refunded at most once.</summary>
    public static string RefundKeyFor(long orderId) => $"refund-order-{orderId}";

    public Task<PaymentOutcome> ChargeAsync(ChargeRequest request, CancellationToken cancellationToken) =>
        SendAsync(request.IdempotencyKey, token => http.PostAsJsonAsync("v1/charges", new
        {
            amountCents = request.AmountCents,
            currency = request.Currency,
            token = request.Token,
            idempotencyKey = request.IdempotencyKey,
        }, token), ReadChargeAsync, cancellationToken);

    public async Task<PaymentOutcome> LookupAsync(string idempotencyKey, CancellationToken cancellationToken) =>
        await LookupAsync($"v1/charges/by-key/{Uri.EscapeDataString(idempotencyKey)}", ReadChargeAsync, cancellationToken);

    /// <summary>
    /// Refunds a charge. <see cref="PaymentResult.Succeeded"/>: the money went back; <see cref="PaymentResult.Declined"/>:
    /// the gateway refused the refund itself (unknown charge, more than it has left), nothing moved.
    /// </summary>
    public Task<PaymentOutcome> RefundAsync(RefundRequest request, CancellationToken cancellationToken) =>
        SendAsync(request.IdempotencyKey, token => http.PostAsJsonAsync("v1/refunds", new
        {
            chargeId = request.ChargeId,
            amountCents = request.AmountCents,
            idempotencyKey = request.IdempotencyKey,
        }, token), ReadRefundAsync, cancellationToken);

    public Task<PaymentOutcome> LookupRefundAsync(string idempotencyKey, CancellationToken cancellationToken) =>
        LookupAsync($"v1/refunds/by-key/{Uri.EscapeDataString(idempotencyKey)}", ReadRefundAsync, cancellationToken);

    private async Task<PaymentOutcome> SendAsync(string idempotencyKey, Func<CancellationToken, Task<HttpResponseMessage>> send,
        Func<HttpResponseMessage, CancellationToken, Task<PaymentOutcome>> read, CancellationToken cancellationToken)
    {
        if (budget.Remaining() <= TimeSpan.Zero)
        {
            // Sending now could only end in "outcome unknown"; not sending means certainly no money moved.
            return new PaymentOutcome(PaymentResult.NotAttempted, null, "The request ran out of time before the payment could be sent.");
        }

        try
        {
            using var response = await send(cancellationToken);
            return await read(response, cancellationToken);
        }
        catch (BrokenCircuitException)
        {
            // Refused by the breaker before anything was sent: certainly no money moved.
            return new PaymentOutcome(PaymentResult.Unavailable, null, "Payments are unavailable: the payment gateway keeps failing.");
        }
        catch (Exception exception) when (IsUnanswered(exception, cancellationToken))
        {
            // The request may have reached the gateway: whether money moved is unknown until the reconciler asks.
            logger.LogWarning("Payment {Key} outcome unknown: {Message}", idempotencyKey, exception.Message);
            return new PaymentOutcome(PaymentResult.Unknown, null, "The payment gateway did not answer in time.");
        }
    }

    private async Task<PaymentOutcome> LookupAsync(string path, Func<HttpResponseMessage, CancellationToken, Task<PaymentOutcome>> read,
        CancellationToken cancellationToken)
    {
        try
        {
            using var response = await clients.CreateClient(LookupClient).GetAsync(path, cancellationToken);
            return response.StatusCode == HttpStatusCode.NotFound
                ? new PaymentOutcome(PaymentResult.NotFound, null, "The gateway has nothing under this key.")
                : await read(response, cancellationToken);
        }
        catch (Exception exception) when (exception is BrokenCircuitException || IsUnanswered(exception, cancellationToken))
        {
            return new PaymentOutcome(PaymentResult.Unknown, null, $"The payment gateway could not be asked: {exception.Message}");
        }
    }

    /// <summary>
    /// No answer: the call's own timeout fired, or the connection failed or was cancelled and not because our
    /// caller gave up. The pipeline's timeout counts even when the caller's token has fired meanwhile (on a
    /// starved CPU the two come together): the request went out, so the outcome is unknown — a 500 would lie.
    /// </summary>
    private static bool IsUnanswered(Exception exception, CancellationToken cancellationToken) =>
        exception is TimeoutRejectedException
        || (exception is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private static async Task<PaymentOutcome> ReadChargeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (Refused(response, "The payment gateway rejected the payment details.") is { } refused)
        {
            // A rejected request (e.g. an unknown token): the customer's payment, not the shop, is at fault.
            return refused;
        }

        var charge = await response.Content.ReadFromJsonAsync<GatewayAnswer>(cancellationToken)
            ?? throw new HttpRequestException("The payment gateway sent an empty charge.");
        return charge.Status switch
        {
            "succeeded" => new PaymentOutcome(PaymentResult.Succeeded, charge.Id, "Paid."),
            "declined" => new PaymentOutcome(PaymentResult.Declined, charge.Id, "The card was declined."),
            _ => new PaymentOutcome(PaymentResult.Unknown, charge.Id, $"The gateway reported status '{charge.Status}'."),
        };
    }

    private static async Task<PaymentOutcome> ReadRefundAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (Refused(response, await GatewayDetailAsync(response, cancellationToken)) is { } refused)
        {
            return refused;
        }

        var refund = await response.Content.ReadFromJsonAsync<GatewayAnswer>(cancellationToken)
            ?? throw new HttpRequestException("The payment gateway sent an empty refund.");
        return refund.Status == "succeeded"
            ? new PaymentOutcome(PaymentResult.Succeeded, refund.Id, "Refunded.")
            : new PaymentOutcome(PaymentResult.Unknown, refund.Id, $"The gateway reported refund status '{refund.Status}'.");
    }

    /// <summary>A 5xx is the gateway failing (nothing moved); another non-success is the gateway refusing the request.</summary>
    private static PaymentOutcome? Refused(HttpResponseMessage response, string refusal) =>
        (int)response.StatusCode >= 500 ? new PaymentOutcome(PaymentResult.Failed, null, $"The payment gateway failed ({(int)response.StatusCode}).")
        : !response.IsSuccessStatusCode ? new PaymentOutcome(PaymentResult.Declined, null, refusal)
        : null;

    /// <summary>The gateway's own explanation of a refusal (its problem detail), for the operator who must act on it.</summary>
    private static async Task<string> GatewayDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode || (int)response.StatusCode >= 500)
        {
            return "";
        }

        try
        {
            var problem = await response.Content.ReadFromJsonAsync<GatewayProblem>(cancellationToken);
            return $"The payment gateway refused the refund ({(int)response.StatusCode}): {problem?.Detail ?? problem?.Title ?? "no reason given"}";
        }
        catch (Exception exception) when (exception is System.Text.Json.JsonException or NotSupportedException)
        {
            return $"The payment gateway refused the refund ({(int)response.StatusCode}).";
        }
    }

    private sealed record GatewayAnswer(string Id, string Status);

    private sealed record GatewayProblem(string? Title, string? Detail);
}
