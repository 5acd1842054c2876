using System.ComponentModel.DataAnnotations;

namespace Bulwark.Shop.Orders;

/// <summary>What customers may do with their orders (section <c>Orders</c>).</summary>
public sealed class OrdersOptions
{
    public const string Section = "Orders";

    /// <summary>
    /// How long after placing a paid order its owner may still cancel it (and be refunded). After that only an
    /// admin can refund it: the goods may be on their way. 0 turns customer cancellation off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan CancelWindow { get; set; } = TimeSpan.FromMinutes(30);
}
