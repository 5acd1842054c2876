using System.ComponentModel.DataAnnotations;

namespace Bulwark.Shop.Checkout;

/// <summary>How checkouts arriving together reserve their stock together (section <c>Checkout:Coalescing</c>).</summary>
public sealed class CoalescingOptions
{
    public const string Section = "Checkout:Coalescing";

    /// <summary>Off: every checkout reserves in a transaction of its own (the same statements, a batch of one).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Most checkouts reserved by one transaction. Larger batches hold the rows they lock a little longer.</summary>
    [Range(1, 1000)]
    public int MaxBatch { get; set; } = 64;

    /// <summary>
    /// Batches one instance runs at once, each on one connection. One keeps a hot row's buyers from queueing on
    /// its lock inside PostgreSQL (they queue in memory, holding no connection, and go together next); more let
    /// checkouts of unrelated products overlap their round trips.
    /// </summary>
    [Range(1, 64)]
    public int MaxBatchesInFlight { get; set; } = 1;
}
