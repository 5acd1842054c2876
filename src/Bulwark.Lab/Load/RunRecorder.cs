namespace Bulwark.Lab.Load;

/// <summary>One request as it completed: for a listener that needs each answer, not only the counters.</summary>
/// <param name="CompletedAt">Since the start of the run.</param>
/// <param name="Latency">From the intended send time (the user's view).</param>
/// <param name="Took">The last HTTP exchange alone (what the shop's per-request deadline governs).</param>
public sealed record CompletedRequest(RequestClass Class, Outcome Outcome, int? Status, TimeSpan CompletedAt, TimeSpan Latency, TimeSpan Took)
{
    /// <summary>The answer's media type: tells a proxy's own error page from the shop's problem details.</summary>
    public string? ContentType { get; init; }
}

/// <summary>Where every offered request of a run is accounted for: per class and per second.</summary>
public sealed class RunRecorder(ServiceLevel serviceLevel, TimeSpan timelineLength)
{
    readonly Dictionary<RequestClass, ClassStats> _classes = RequestClasses.All.ToDictionary(c => c, _ => new ClassStats());

    public ServiceLevel ServiceLevel { get; } = serviceLevel;

    public RunTimeline Timeline { get; } = new(timelineLength);

    /// <summary>Told of every completed request (null: nobody listens); called concurrently.</summary>
    public Action<CompletedRequest>? OnCompleted { get; init; }

    public ClassStats this[RequestClass c] => _classes[c];

    public IReadOnlyDictionary<RequestClass, ClassStats> Classes => _classes;

    public void Offered(RequestClass c, TimeSpan intendedAt)
    {
        _classes[c].RecordOffered();
        Timeline.RecordOffered(c, intendedAt);
    }

    public void Dropped(RequestClass c, TimeSpan intendedAt)
    {
        _classes[c].Record(Outcome.Dropped, TimeSpan.Zero, good: false, slowerThanDeadline: false);
        Timeline.Record(c, Outcome.Dropped, intendedAt, TimeSpan.Zero, good: false);
    }

    /// <param name="latency">From the intended send time to the answer (or to the timeout).</param>
    /// <param name="status">The HTTP status, when there was one: a 5xx other than 503 is counted apart.</param>
    /// <param name="took">The answer's own HTTP exchange; defaults to <paramref name="latency"/>.</param>
    /// <param name="contentType">The answer's media type, when it had one.</param>
    /// <param name="slowestRequest">
    /// The action's slowest request as its user waited for it (the generator's send lag plus that exchange); defaults
    /// to <paramref name="latency"/>. The SLO and the deadline are per request, so this, not the whole action, is what
    /// the class's latencies record and what is judged: a purchase whose cart update and checkout took 150 ms each met
    /// a 200 ms SLO, and one whose requests took 1.2 s each was not answered later than a 2 s deadline. (Judging the
    /// sum made every late answer of the 2026-12-03 benches a purchase, and no single request.)
    /// </param>
    public void Completed(RequestClass c, Outcome outcome, TimeSpan completedAt, TimeSpan latency, int? status = null, TimeSpan? took = null, string? contentType = null,
        TimeSpan? slowestRequest = null)
    {
        var judged = slowestRequest ?? latency;
        var good = outcome == Outcome.Success && judged <= ServiceLevel.SloFor(c);
        var late = outcome != Outcome.Timeout && judged > ServiceLevel.Deadline;
        _classes[c].Record(outcome, judged, good, late, serverError: status is >= 500 and not 503);
        Timeline.Record(c, outcome, completedAt, judged, good);
        OnCompleted?.Invoke(new CompletedRequest(c, outcome, status, completedAt, latency, took ?? latency) { ContentType = contentType });
    }
}
