using Bulwark.PaymentSandbox.Faults;
using Bulwark.PaymentSandbox.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.PaymentSandbox.Charges;

internal static class ChargesApi
{
    public static IServiceCollection AddCharges(this IServiceCollection services) =>
        services.AddSingleton<CardIssuer>().AddSingleton<ChargeLedger>();

    public static IEndpointRouteBuilder MapChargesApi(this IEndpointRouteBuilder app)
    {
        var charges = app.MapGroup("/v1/charges");
        charges.MapPost("/", CreateAsync);
        charges.MapGet("/", (ChargeLedger ledger) => TypedResults.Ok(ledger.List()));
        charges.MapGet("/by-key/{**idempotencyKey}", FindByKeyAsync);
        return app;
    }

    private static async Task<Results<Ok<Charge>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        HttpRequest request, ChargeLedger ledger, FaultInjector faults, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<ChargeRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (!body!.TryValidate(out var terms, out var errors))
        {
            return body.OnlyTokenIsUnknown(errors)
                ? TypedResults.ValidationProblem(errors, title: "unknown payment token")
                : TypedResults.ValidationProblem(errors);
        }

        // Faults strike before the ledger is touched: an injected error or hang never records a charge, so
        // the caller's retry with the same key is a fresh attempt.
        if (FaultAnswers.For(await faults.ApplyAsync(cancellationToken), "nothing was charged") is { } injected)
        {
            return injected;
        }

        return await ledger.ChargeAsync(terms, cancellationToken) switch
        {
            ChargeOutcome.Charged charged => TypedResults.Ok(charged.Charge),
            ChargeOutcome.KeyReused reused => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "idempotency key reused",
                detail: $"Key '{terms.IdempotencyKey}' was first used for {Describe(reused.Original)}; this request asks for {Describe(terms)}.",
                extensions: new Dictionary<string, object?> { ["idempotencyKey"] = terms.IdempotencyKey }),
            ChargeOutcome.GatewayFailed => FaultAnswers.GatewayError("the gateway failed before charging (tok_error)."),
            var other => throw new InvalidOperationException($"Unhandled charge outcome {other}."),
        };
    }

    private static async Task<Results<Ok<Charge>, ProblemHttpResult>> FindByKeyAsync(
        string idempotencyKey, ChargeLedger ledger, CancellationToken cancellationToken)
    {
        // Keys are free text. The server decodes every escape in the path except %2F, so a key holding "/"
        // arrives still escaped; the catch-all route also takes it when a client sends the "/" raw.
        idempotencyKey = idempotencyKey.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        return await ledger.FindAsync(idempotencyKey, cancellationToken) is { } charge
            ? TypedResults.Ok(charge)
            : TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "charge not found",
                detail: $"No charge was made with idempotency key '{idempotencyKey}'.");
    }

    private static string Describe(ChargeTerms terms) =>
        $"{terms.AmountCents} {terms.Currency} with {PaymentTokens.NameOf(terms.Token)}";
}
