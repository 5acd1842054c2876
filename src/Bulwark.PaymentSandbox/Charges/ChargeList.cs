namespace Bulwark.PaymentSandbox.Charges;

/// <summary><c>GET /v1/charges</c>: totals over every charge, and the latest ones newest first.</summary>
internal sealed record ChargeList(int Count, int Succeeded, int Declined, IReadOnlyList<Charge> Items);
