using System.Collections.Concurrent;
using Bulwark.Guard.Telemetry;
using Microsoft.Extensions.Logging;

namespace Bulwark.Guard.Leaks;

/// <summary>
/// Watches every open lease and reports, once, any held longer than the threshold, naming the operation
/// that holds it and for how long. A lease held for seconds is a connection kept across a slow call or
/// never returned (incidents 1 and 3); finding the code that does it is the fix.
/// </summary>
/// <remarks>A scan runs every quarter threshold; a lease released past the threshold between two scans
/// is reported at release, so none escapes.</remarks>
public sealed partial class LeakDetector : IDisposable
{
    private readonly ConcurrentDictionary<long, Holding> _held = new();
    private readonly TimeProvider _clock;
    private readonly TimeSpan _threshold;
    private readonly GateCounters _counters;
    private readonly ILogger _logger;
    private readonly ITimer _scan;
    private long _nextTicket;

    public LeakDetector(TimeProvider clock, TimeSpan threshold, GateCounters counters, ILogger logger)
    {
        _clock = clock;
        _threshold = threshold;
        _counters = counters;
        _logger = logger;
        var every = TimeSpan.FromTicks(Math.Clamp(threshold.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond));
        _scan = clock.CreateTimer(static state => ((LeakDetector)state!).Scan(), this, every, every);
    }

    public TimeSpan Threshold => _threshold;

    /// <summary>Starts watching a lease; hand the ticket back to <see cref="Release"/>.</summary>
    public long Track(string? operation)
    {
        var ticket = Interlocked.Increment(ref _nextTicket);
        _held[ticket] = new Holding(operation ?? "unnamed operation", _clock.GetTimestamp());
        return ticket;
    }

    public void Release(long ticket)
    {
        if (_held.TryRemove(ticket, out var holding) && !holding.Reported)
        {
            var held = _clock.GetElapsedTime(holding.Since);
            if (held > _threshold)
            {
                Report(holding, held, released: true);
            }
        }
    }

    private void Scan()
    {
        var now = _clock.GetTimestamp();
        foreach (var (_, holding) in _held)
        {
            var held = _clock.GetElapsedTime(holding.Since, now);
            if (held > _threshold && !holding.Reported)
            {
                Report(holding, held, released: false);
            }
        }
    }

    private void Report(Holding holding, TimeSpan held, bool released)
    {
        if (Interlocked.Exchange(ref holding.ReportedFlag, 1) != 0)
        {
            return;
        }

        _counters.LeakSuspected();
        LeaseHeldTooLong(_logger, holding.Operation, held.TotalMilliseconds, _threshold.TotalMilliseconds, released ? "released" : "still held");
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Warning,
        Message = "Database lease held by {Operation} for {HeldMs:0} ms, over the {ThresholdMs:0} ms leak threshold ({State}). Keep transactions short and never hold a connection across an outside call.")]
    private static partial void LeaseHeldTooLong(ILogger logger, string operation, double heldMs, double thresholdMs, string state);

    public void Dispose() => _scan.Dispose();

    private sealed class Holding(string operation, long since)
    {
        public int ReportedFlag;

        public string Operation { get; } = operation;

        public long Since { get; } = since;

        public bool Reported => Volatile.Read(ref ReportedFlag) != 0;
    }
}
