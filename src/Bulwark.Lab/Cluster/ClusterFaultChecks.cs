using System.Globalization;
using Bulwark.Lab.Chaos;
using Bulwark.Lab.Load;
using Bulwark.Lab.Metrics;
using Bulwark.Lab.Reports;

namespace Bulwark.Lab.Cluster;

/// <summary>
/// What the guarded cluster run checks after each fault, from what was recorded during it (pure, so it is
/// tested apart from a cluster).
/// </summary>
public static class ClusterFaultChecks
{
    /// <summary>Read-only routes: nginx may send them to another instance when the first fails (<c>proxy_next_upstream error timeout</c>).</summary>
    static readonly HashSet<RequestClass> Reads = [RequestClass.Browse, RequestClass.Product];

    /// <summary>
    /// Catalog reads already running on the standby when it stopped may still be counted there for a moment: the shop
    /// counts a read when its request resumes after the answer, which a starved CPU can put off — at most until the
    /// request's deadline, when it is answered anyway. The least grace, for scenarios with short deadlines.
    /// </summary>
    public const double StandbyGraceSeconds = 2;

    /// <summary>
    /// One instance SIGKILLed at <paramref name="killedAt"/>: nginx answered no read itself (it retried them on
    /// another instance) and its config never retries a POST; the budget counted only the survivors within
    /// <see cref="ClusterUnderTest.ReshareBound"/> and the pooled connections stayed within it; the ledger agrees.
    /// </summary>
    public static ClusterFaultOutcome AfterKill(double killedAt, int survivors, IReadOnlyList<AnswerTally.Answer> answers,
        ConnectionReport connections, LedgerVerdict? ledger, bool proxyRetriesPosts)
    {
        var findings = new List<string>();
        var proxied = answers.Where(a => a.AtSeconds >= killedAt && a.Origin == AnswerOrigin.Proxy).ToList();
        var proxiedReads = proxied.Count(a => Reads.Contains(a.Class));
        findings.Add(proxied.Count == 0
            ? "nginx answered nothing itself after the kill"
            : "nginx answered itself after the kill: " + Describe(proxied));
        findings.Add(Invariant($"reads (GET) answered by nginx instead of a shop: {proxiedReads} (nginx retries them on another instance)"));
        findings.Add(proxyRetriesPosts
            ? "nginx's config as run retries non-idempotent requests (proxy_next_upstream non_idempotent): a POST could run twice"
            : "nginx's config as run never retries a POST (no non_idempotent in proxy_next_upstream): an in-flight checkout gets nginx's 502, never a second run");

        var reshared = connections.ResharedAfter(killedAt, survivors);
        var bound = ClusterUnderTest.ReshareBound.TotalSeconds;
        findings.Add(reshared is { } after
            ? Invariant($"the budget counted only the {survivors} survivors {after:0.0} s after the kill (bound {bound:0} s)")
            : Invariant($"the budget still counted the dead instance when the run ended (bound {bound:0} s)"));
        var peak = connections.MaxPooledFrom(killedAt);
        findings.Add(Invariant($"pooled server connections after the kill peaked at {peak} (budget {connections.Budget})"));
        findings.Add(ledger is null ? "ledger not checked" : ledger.Passed
            ? Invariant($"ledger: {ledger.Orders} orders, {ledger.Paid} paid, {ledger.SucceededCharges} succeeded charges; no order lost, no double charge, stock balanced")
            : "ledger: " + string.Join("; ", ledger.Problems));

        var passed = proxiedReads == 0 && !proxyRetriesPosts && reshared is { } r && r <= bound && peak <= connections.Budget && ledger is { Passed: true };
        return new ClusterFaultOutcome("instance killed", killedAt, passed, findings);
    }

    /// <summary>
    /// The standby stopped at <paramref name="stoppedAt"/>: no request failed from then on (errors, timeouts,
    /// nginx's pages; a 503 shed is an honest answer and counted apart) and no catalog read ran on the standby
    /// after a short grace, while the primary took them.
    /// </summary>
    public static ClusterFaultOutcome AfterStandbyStop(double stoppedAt, IReadOnlyList<AnswerTally.Answer> answers, IReadOnlyList<PoolSample> pool, double loadEndSeconds,
        double deadlineSeconds = 0)
    {
        var grace = Math.Max(StandbyGraceSeconds, deadlineSeconds);
        var findings = new List<string>();
        var after = answers.Where(a => a.AtSeconds >= stoppedAt).ToList();
        var failed = after.Where(a => a.Outcome is Outcome.Error or Outcome.Timeout || a.Origin == AnswerOrigin.Proxy).ToList();
        findings.Add(failed.Count == 0
            ? Invariant($"no request failed in the {Math.Max(0, loadEndSeconds - stoppedAt):0} s after the stop ({after.Count} answers, {after.Count(a => a.Outcome == Outcome.Shed)} shed with 503)")
            : "failed after the stop: " + Describe(failed));
        // What a standby can break is a shop's answer; nginx's own pages after the stop say the shops were out of its reach.
        var byShops = failed.Count(a => a.Origin != AnswerOrigin.Proxy);
        if (failed.Count > 0)
            findings.Add(Invariant($"of these, {byShops} came from the shops (or got no answer) and {failed.Count - byShops} are nginx's own pages"));

        var ordered = pool.OrderBy(p => p.At).ToList();
        var atStop = ordered.FirstOrDefault(p => p.At.TotalSeconds >= stoppedAt);
        var atGrace = ordered.FirstOrDefault(p => p.At.TotalSeconds >= stoppedAt + grace);
        var last = ordered.LastOrDefault();
        double? standbyAfter = atGrace is not null && last is not null ? (last.CatalogReadsStandby ?? 0) - (atGrace.CatalogReadsStandby ?? 0) : null;
        double? primaryAfter = atStop is not null && last is not null ? (last.CatalogReadsPrimary ?? 0) - (atStop.CatalogReadsPrimary ?? 0) : null;
        findings.Add(standbyAfter is null
            ? "catalog reads after the stop: not observed (no /metrics scrape after it)"
            : Invariant($"catalog reads after the stop: {primaryAfter:0} on the primary, {standbyAfter:0} on the standby from {grace:0} s after it (a read's deadline)"));

        var passed = failed.Count == 0 && standbyAfter is 0;
        return new ClusterFaultOutcome("standby stopped", stoppedAt, passed, findings);
    }

    /// <summary>"checkout 502 ×3, signIn 504 ×1".</summary>
    static string Describe(IEnumerable<AnswerTally.Answer> answers) =>
        string.Join(", ", answers.GroupBy(a => (a.Class, a.Status, a.Origin)).OrderByDescending(g => g.Count())
            .Select(g => Invariant($"{g.Key.Class.Key()} {(g.Key.Status is { } s ? s.ToString(CultureInfo.InvariantCulture) : "no answer")}{(g.Key.Origin == AnswerOrigin.Proxy ? " (nginx)" : "")} ×{g.Count()}")));

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
