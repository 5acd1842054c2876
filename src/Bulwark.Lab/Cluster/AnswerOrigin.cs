using System.Collections.Concurrent;
using Bulwark.Lab.Load;

namespace Bulwark.Lab.Cluster;

/// <summary>Who gave an answer that came through nginx.</summary>
public enum AnswerOrigin
{
    /// <summary>A shop instance: its JSON, or its problem details for every error.</summary>
    Shop,

    /// <summary>nginx itself (502 when no instance could take the request, 504 when one did not answer in time): an HTML error page.</summary>
    Proxy,

    /// <summary>No HTTP answer reached the lab (its timeout, a reset connection).</summary>
    None,
}

public static class AnswerOrigins
{
    /// <summary>
    /// Every answer of the shop is JSON (problem details for errors, DESIGN.md); nginx's own error pages are
    /// <c>text/html</c>. So the media type tells them apart without a header nginx would have to add.
    /// </summary>
    public static AnswerOrigin Of(int? status, string? contentType) =>
        status is null ? AnswerOrigin.None
        : contentType is not null && contentType.Contains("html", StringComparison.OrdinalIgnoreCase) ? AnswerOrigin.Proxy
        : AnswerOrigin.Shop;

    public static string Key(this AnswerOrigin origin) => origin switch
    {
        AnswerOrigin.Shop => "shop",
        AnswerOrigin.Proxy => "nginx",
        _ => "none",
    };
}

/// <summary>Answers of one status (null: none) from one origin for one request class.</summary>
public sealed record AnswerCount(string Class, int? Status, string Origin, long Count);

/// <summary>
/// Every answer of a cluster run, by class, status and origin, with the time it came (for what happened after a
/// fault). Fed by <see cref="RunRecorder.OnCompleted"/>; safe to call concurrently.
/// </summary>
public sealed class AnswerTally
{
    public sealed record Answer(RequestClass Class, int? Status, AnswerOrigin Origin, Outcome Outcome, double AtSeconds);

    readonly ConcurrentQueue<Answer> _answers = new();

    public void Record(CompletedRequest completed) =>
        _answers.Enqueue(new Answer(completed.Class, completed.Status, AnswerOrigins.Of(completed.Status, completed.ContentType), completed.Outcome, completed.CompletedAt.TotalSeconds));

    public IReadOnlyList<Answer> Answers => [.. _answers];

    public static IReadOnlyList<AnswerCount> Count(IEnumerable<Answer> answers) =>
        [.. answers.GroupBy(a => (a.Class, a.Status, a.Origin))
            .Select(g => new AnswerCount(g.Key.Class.Key(), g.Key.Status, g.Key.Origin.Key(), g.LongCount()))
            .OrderBy(c => c.Class, StringComparer.Ordinal).ThenBy(c => c.Status ?? 0).ThenBy(c => c.Origin, StringComparer.Ordinal)];
}
