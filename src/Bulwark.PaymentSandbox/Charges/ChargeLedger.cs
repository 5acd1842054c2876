using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Bulwark.PaymentSandbox.Charges;

/// <summary>
/// Every charge the sandbox made, in memory, keyed by idempotency key. One key never charges twice: the first
/// request for a key creates the only attempt, and every concurrent or later request with that key awaits the
/// same attempt and so answers with the same charge.
/// </summary>
internal sealed class ChargeLedger(
    CardIssuer issuer,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<ChargeLedger> logger)
{
    public const int ListLimit = 100;

    private readonly ConcurrentDictionary<string, ChargeAttempt> _attempts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Charge> _byId = new(StringComparer.Ordinal);
    private readonly Lock _historyGate = new();
    private readonly List<Charge> _history = [];
    private int _declined;

    public async Task<ChargeOutcome> ChargeAsync(ChargeTerms terms, CancellationToken cancellationToken)
    {
        // GetOrAdd may build several candidates under a race but stores exactly one, and only the stored one's
        // Lazy is ever started, so one key means one authorization.
        var candidate = new ChargeAttempt(terms, ProcessAsync);
        var attempt = _attempts.GetOrAdd(terms.IdempotencyKey, candidate);
        if (attempt.Terms != terms)
        {
            return new ChargeOutcome.KeyReused(attempt.Terms);
        }

        // WaitAsync: a caller that gives up stops waiting, but the attempt goes on for everyone else who shares it.
        var charge = await attempt.Result.WaitAsync(cancellationToken);
        return charge is null ? new ChargeOutcome.GatewayFailed() : new ChargeOutcome.Charged(charge);
    }

    /// <summary>
    /// The charge made under <paramref name="idempotencyKey"/>, or null if none was. A charge still being
    /// authorized is awaited rather than reported absent, so a reconciler never mistakes "not yet" for "never".
    /// </summary>
    public async Task<Charge?> FindAsync(string idempotencyKey, CancellationToken cancellationToken) =>
        _attempts.TryGetValue(idempotencyKey, out var attempt)
            ? await attempt.Result.WaitAsync(cancellationToken)
            : null;

    /// <summary>The charge with this id once it is decided (a refund needs a finished charge), or null.</summary>
    public Charge? FindById(string chargeId) => _byId.GetValueOrDefault(chargeId);

    public ChargeList List()
    {
        lock (_historyGate)
        {
            var items = new Charge[Math.Min(ListLimit, _history.Count)];
            for (var i = 0; i < items.Length; i++)
            {
                items[i] = _history[_history.Count - 1 - i];
            }

            return new ChargeList(_history.Count, _history.Count - _declined, _declined, items);
        }
    }

    private async Task<Charge?> ProcessAsync(ChargeAttempt attempt)
    {
        try
        {
            // The attempt is shared by every request with its key, so no single request's token may cancel it;
            // only the sandbox shutting down does.
            var status = await issuer.AuthorizeAsync(attempt.Terms.Token, lifetime.ApplicationStopping);
            if (status is not { } decided)
            {
                Forget(attempt);
                logger.LogDebug("Gateway error for key {IdempotencyKey}; nothing charged", attempt.Terms.IdempotencyKey);
                return null;
            }

            var terms = attempt.Terms;
            var charge = new Charge(NewChargeId(), decided, terms.AmountCents, terms.Currency, terms.IdempotencyKey, time.GetUtcNow());
            Record(charge);
            logger.LogDebug("Charge {ChargeId} {Status} for key {IdempotencyKey}", charge.Id, charge.Status, charge.IdempotencyKey);
            return charge;
        }
        catch
        {
            Forget(attempt);
            throw;
        }
    }

    // Only this attempt is removed: if a retry already replaced it, the retry's attempt stays.
    private void Forget(ChargeAttempt attempt) =>
        _attempts.TryRemove(new KeyValuePair<string, ChargeAttempt>(attempt.Terms.IdempotencyKey, attempt));

    private void Record(Charge charge)
    {
        _byId[charge.Id] = charge;
        lock (_historyGate)
        {
            _history.Add(charge);
            if (charge.Status == ChargeStatus.Declined)
            {
                _declined++;
            }
        }
    }

    private static string NewChargeId() => "ch_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    private sealed class ChargeAttempt
    {
        private readonly Lazy<Task<Charge?>> _result;

        public ChargeAttempt(ChargeTerms terms, Func<ChargeAttempt, Task<Charge?>> process)
        {
            Terms = terms;
            _result = new Lazy<Task<Charge?>>(() => process(this), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        public ChargeTerms Terms { get; }

        /// <summary>The charge, or null when the gateway failed. Started by whoever asks first.</summary>
        public Task<Charge?> Result => _result.Value;
    }
}
