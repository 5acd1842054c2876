using Bulwark.Lab.Chaos;
using Bulwark.Lab.Cluster;

namespace Bulwark.Lab.Reports;

/// <summary>
/// What a mode's run on the cluster (<c>lab incident N --cluster</c>) adds to its <see cref="ModeReport"/>: the
/// deploy it ran, answers by origin (nginx's own vs the shops'), each instance's load, where catalog reads ran,
/// the primary's connections against the budget, and — in the guarded run — the faults and the ledger check.
/// </summary>
public sealed record ClusterRunReport
{
    public required int Instances { get; init; }

    /// <summary>How the shops were configured, in words.</summary>
    public required string Deploy { get; init; }

    /// <summary>nginx's proxy settings, in words (the deployed file or the stock timeouts).</summary>
    public required string Proxy { get; init; }

    /// <summary>Whether the nginx config as run may retry a POST on another instance (it must not).</summary>
    public required bool ProxyRetriesPosts { get; init; }

    public required IReadOnlyList<AnswerCount> Answers { get; init; }
    public required IReadOnlyList<InstanceLoad> PerInstance { get; init; }
    public required double CatalogReadsStandby { get; init; }
    public required double CatalogReadsPrimary { get; init; }
    public required ConnectionReport Connections { get; init; }
    public IReadOnlyList<ClusterFaultOutcome> Faults { get; init; } = [];

    /// <summary>nginx's error log counted by message: why nginx answered itself (null in results written before it was kept).</summary>
    public IReadOnlyDictionary<string, long>? ProxyErrors { get; init; }

    /// <summary>After the faults: orders, charges and stock agree (null when no fault was injected or the check could not run).</summary>
    public LedgerVerdict? Ledger { get; init; }

    /// <summary>Answers nginx gave itself (502/504 pages), all classes.</summary>
    public long ProxyAnswers => Answers.Where(a => a.Origin == AnswerOrigin.Proxy.Key()).Sum(a => a.Count);
}

/// <summary>One fault injected into the guarded cluster run, when, and what the lab checked after it.</summary>
public sealed record ClusterFaultOutcome(string Fault, double AtSeconds, bool Passed, IReadOnlyList<string> Findings);
