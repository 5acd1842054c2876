using Bulwark.PaymentSandbox.Faults;
using Bulwark.PaymentSandbox.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.PaymentSandbox.Refunds;

internal static class RefundsApi
{
    public static IServiceCollection AddRefunds(this IServiceCollection services) => services.AddSingleton<RefundLedger>();

    public static IEndpointRouteBuilder MapRefundsApi(this IEndpointRouteBuilder app)
    {
        var refunds = app.MapGroup("/v1/refunds");
        refunds.MapPost("/", CreateAsync);
        refunds.MapGet("/", (RefundLedger ledger, string? chargeId) => TypedResults.Ok(ledger.List(chargeId)));
        refunds.MapGet("/by-key/{**idempotencyKey}", FindByKey);
        return app;
    }

    private static async Task<Results<Ok<Refund>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        HttpRequest request, RefundLedger ledger, FaultInjector faults, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<RefundRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (!body!.TryValidate(out var terms, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }

        // The same faults as charges, struck before the ledger: an injected error or hang refunds nothing and
        // leaves the key free, so the caller's retry with the same key is a fresh attempt.
        if (FaultAnswers.For(await faults.ApplyAsync(cancellationToken), "nothing was refunded") is { } injected)
        {
            return injected;
        }

        return ledger.Refund(terms) switch
        {
            RefundOutcome.Refunded refunded => TypedResults.Ok(refunded.Refund),
            RefundOutcome.KeyReused reused => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "idempotency key reused",
                detail: $"Key '{terms.IdempotencyKey}' was first used to refund {reused.Original.AmountCents} of charge {reused.Original.ChargeId}; "
                    + $"this request asks for {terms.AmountCents} of charge {terms.ChargeId}.",
                extensions: new Dictionary<string, object?> { ["idempotencyKey"] = terms.IdempotencyKey }),
            RefundOutcome.UnknownCharge => TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "charge not found",
                detail: $"No charge has id '{terms.ChargeId}'; nothing was refunded.",
                extensions: new Dictionary<string, object?> { ["chargeId"] = terms.ChargeId }),
            RefundOutcome.NotRefundable refused => TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "refund exceeds charge",
                detail: $"Nothing was refunded: {refused.Reason}",
                extensions: new Dictionary<string, object?> { ["chargeId"] = terms.ChargeId, ["refundableCents"] = refused.RefundableCents }),
            var other => throw new InvalidOperationException($"Unhandled refund outcome {other}."),
        };
    }

    private static Results<Ok<Refund>, ProblemHttpResult> FindByKey(string idempotencyKey, RefundLedger ledger)
    {
        // As for charges: a key holding "/" arrives with it still escaped.
        idempotencyKey = idempotencyKey.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        return ledger.Find(idempotencyKey) is { } refund
            ? TypedResults.Ok(refund)
            : TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "refund not found",
                detail: $"No refund was made with idempotency key '{idempotencyKey}'.");
    }
}
