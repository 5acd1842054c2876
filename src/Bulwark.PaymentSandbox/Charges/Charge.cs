using System.Text.Json.Serialization;

namespace Bulwark.PaymentSandbox.Charges;

/// <summary>A charge the sandbox made: what the gateway answers and what it keeps.</summary>
internal sealed record Charge(
    string Id,
    ChargeStatus Status,
    long AmountCents,
    string Currency,
    string IdempotencyKey,
    DateTimeOffset CreatedAt);

[JsonConverter(typeof(JsonStringEnumConverter<ChargeStatus>))]
internal enum ChargeStatus
{
    [JsonStringEnumMemberName("succeeded")] Succeeded,
    [JsonStringEnumMemberName("declined")] Declined,
}
