using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Payments;

/// <summary>The payment gateway and how checkout settles with it (section <c>Payments</c>).</summary>
public sealed class PaymentsOptions
{
    public const string Section = "Payments";

    /// <summary>Base address of the gateway. Left empty, the shop hosts the payment sandbox itself on a loopback port.</summary>
    [Required]
    [Url]
    public string BaseUrl { get; set; } = "";

    /// <summary>ISO 4217 currency of every price in the shop.</summary>
    [RegularExpression("^[A-Z]{3}$")]
    public string Currency { get; set; } = "USD";

    /// <summary>
    /// Gateway call budget when a request carries no deadline of its own (background settlement). Inside a
    /// request the call gets whatever the request's deadline leaves, minus <see cref="SettleReserve"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time kept back from the request's deadline for recording the payment's outcome.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:05")]
    public TimeSpan SettleReserve { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the reconciler looks for orders whose payment outcome is unknown.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// An order still awaiting its payment outcome this long after its last change is no longer in
    /// flight in any request (every request's deadline is far shorter), so the reconciler takes it over.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ReconcileAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The gateway has no charge for an order this old: no attempt can still be under way (the sandbox
    /// and real gateways give up long before), so the order fails and its stock goes back.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan AbandonAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>When to stop calling a gateway that keeps failing.</summary>
    [ValidateObjectMembers]
    public GatewayCircuitOptions CircuitBreaker { get; set; } = new();
}
