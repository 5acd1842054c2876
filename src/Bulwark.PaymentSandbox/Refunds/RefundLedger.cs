using System.Security.Cryptography;
using Bulwark.PaymentSandbox.Charges;

namespace Bulwark.PaymentSandbox.Refunds;

/// <summary>
/// Every refund the sandbox made, in memory, keyed by idempotency key. One key never refunds twice, and the
/// refunds of one charge never add up to more than it charged.
/// </summary>
internal sealed class RefundLedger(ChargeLedger charges, TimeProvider time, ILogger<RefundLedger> logger)
{
    public const int ListLimit = 100;

    // One lock for every decision: checking the key, the charge's refundable rest and recording must be one
    // step, or two keys racing on one charge could both see the full amount left. Nothing inside waits.
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Refund> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _refundedByCharge = new(StringComparer.Ordinal);
    private readonly List<Refund> _history = [];

    public RefundOutcome Refund(RefundTerms terms)
    {
        lock (_gate)
        {
            if (_byKey.TryGetValue(terms.IdempotencyKey, out var earlier))
            {
                return earlier.ChargeId == terms.ChargeId && earlier.AmountCents == terms.AmountCents
                    ? new RefundOutcome.Refunded(earlier)
                    : new RefundOutcome.KeyReused(new RefundTerms(earlier.ChargeId, earlier.AmountCents, earlier.IdempotencyKey));
            }

            if (charges.FindById(terms.ChargeId) is not { } charge)
            {
                return new RefundOutcome.UnknownCharge();
            }

            if (charge.Status != ChargeStatus.Succeeded)
            {
                return new RefundOutcome.NotRefundable(0, $"charge {charge.Id} was declined: no money moved, so none can go back.");
            }

            var refundable = charge.AmountCents - _refundedByCharge.GetValueOrDefault(charge.Id);
            if (terms.AmountCents > refundable)
            {
                return new RefundOutcome.NotRefundable(refundable,
                    $"charge {charge.Id} has {refundable} of its {charge.AmountCents} {charge.Currency} left to refund; {terms.AmountCents} was asked.");
            }

            var refund = new Refund(NewRefundId(), charge.Id, Refunds.Refund.Succeeded, terms.AmountCents, charge.Currency,
                terms.IdempotencyKey, time.GetUtcNow());
            _byKey[refund.IdempotencyKey] = refund;
            _refundedByCharge[charge.Id] = charge.AmountCents - refundable + refund.AmountCents;
            _history.Add(refund);
            logger.LogDebug("Refund {RefundId} of {AmountCents} on charge {ChargeId} for key {IdempotencyKey}",
                refund.Id, refund.AmountCents, refund.ChargeId, refund.IdempotencyKey);
            return new RefundOutcome.Refunded(refund);
        }
    }

    /// <summary>The refund made under <paramref name="idempotencyKey"/>, or null if none was.</summary>
    public Refund? Find(string idempotencyKey)
    {
        lock (_gate)
        {
            return _byKey.GetValueOrDefault(idempotencyKey);
        }
    }

    /// <summary>Every refund (of <paramref name="chargeId"/> alone when given): the count and sum, and the latest ones newest first.</summary>
    public RefundList List(string? chargeId)
    {
        lock (_gate)
        {
            var matching = chargeId is null ? _history : _history.FindAll(refund => refund.ChargeId == chargeId);
            var latest = matching.TakeLast(ListLimit).Reverse().ToList();
            return new RefundList(matching.Count, matching.Sum(refund => refund.AmountCents), latest);
        }
    }

    private static string NewRefundId() => "re_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
}
