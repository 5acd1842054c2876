namespace Bulwark.Lab.Load;

/// <summary>Where every offered request of a run is accounted for: per class and per second.</summary>
public sealed class RunRecorder(ServiceLevel serviceLevel, TimeSpan timelineLength)
{
    readonly Dictionary<RequestClass, ClassStats> _classes = RequestClasses.All.ToDictionary(c => c, _ => new ClassStats());

    public ServiceLevel ServiceLevel { get; } = serviceLevel;

    public RunTimeline Timeline { get; } = new(timelineLength);

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
    public void Completed(RequestClass c, Outcome outcome, TimeSpan completedAt, TimeSpan latency, int? status = null)
    {
        var good = outcome == Outcome.Success && latency <= ServiceLevel.SloFor(c);
        var late = outcome != Outcome.Timeout && latency > ServiceLevel.Deadline;
        _classes[c].Record(outcome, latency, good, late, serverError: status is >= 500 and not 503);
        Timeline.Record(c, outcome, completedAt, latency, good);
    }
}
