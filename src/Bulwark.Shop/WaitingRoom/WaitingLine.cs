namespace Bulwark.Shop.WaitingRoom;

/// <summary>Where a ticket stands in its line right now.</summary>
public abstract record Place
{
    /// <param name="Position">Tickets ahead of this one still waiting, counting this one (1 = next).</param>
    public sealed record Waiting(long Position, TimeSpan EstimatedWait) : Place;

    public sealed record Admitted(DateTimeOffset ExpiresAt) : Place;

    /// <summary>Admitted, but not used within the admission lifetime: join again.</summary>
    public sealed record Expired : Place;
}

/// <summary>
/// One room's line as this instance knows it, without the database: the shared frontier ("admitted through
/// sequence N") and counter it last read, and when it saw the frontier pass each sequence, which is when
/// that ticket's admission started to run out. Pure apart from the injected clock; every instance keeps one
/// per room and feeds it what it reads from the room's row, so polls are answered from here.
/// </summary>
public sealed class WaitingLine(TimeProvider clock, TimeSpan admissionLifetime)
{
    private readonly Lock _lock = new();

    // (admitted through, seen at), oldest first; pruned once older than an admission can live.
    private readonly Queue<(long Through, DateTimeOffset At)> _steps = new();
    private long _expiredThrough;
    private double _frontier;
    private long _lastSequence;
    private double _outflow;
    private long _outstanding;

    /// <summary>Sequences up to this one have been let out.</summary>
    public long AdmittedThrough => (long)Math.Floor(Volatile.Read(ref _frontier));

    public double Frontier => Volatile.Read(ref _frontier);

    /// <summary>The highest sequence handed out, as last read.</summary>
    public long LastSequence => Volatile.Read(ref _lastSequence);

    /// <summary>Admissions per second the line moves at, as last set by the instance advancing it.</summary>
    public double Outflow => Volatile.Read(ref _outflow);

    /// <summary>Let out and not yet used by a checkout, as last read (counted for sale rooms only; 0 elsewhere).</summary>
    public long Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>Tickets handed out and not yet let out.</summary>
    public long Waiting => Math.Max(0, LastSequence - AdmittedThrough);

    /// <summary>Takes in the room's shared state; the frontier and counter only ever move forward.</summary>
    public void Observe(double frontier, long lastSequence, double outflow, long outstanding = 0)
    {
        var now = clock.GetUtcNow();
        lock (_lock)
        {
            var through = (long)Math.Floor(frontier);
            if (through > AdmittedThrough || _steps.Count == 0 && through > 0)
            {
                // The first reading dates every admission before it to now: this instance cannot know
                // better, and erring late only lets an admission live a little longer.
                _steps.Enqueue((through, now));
            }

            while (_steps.TryPeek(out var oldest) && now - oldest.At >= admissionLifetime && _steps.Count > 1)
            {
                _expiredThrough = _steps.Dequeue().Through;
            }

            Volatile.Write(ref _frontier, Math.Max(_frontier, frontier));
            Volatile.Write(ref _lastSequence, Math.Max(_lastSequence, lastSequence));
            Volatile.Write(ref _outflow, outflow);
            Volatile.Write(ref _outstanding, outstanding);
        }
    }

    /// <param name="sequence">The ticket's place.</param>
    /// <param name="joinedAt">
    /// When the ticket was taken: an idle room's frontier runs a burst ahead of the last ticket, so it may
    /// have passed this place before anyone held it, and an admission runs from whichever came later.
    /// </param>
    public Place PlaceOf(long sequence, DateTimeOffset joinedAt)
    {
        var now = clock.GetUtcNow();
        lock (_lock)
        {
            if (sequence > AdmittedThrough)
            {
                var position = sequence - AdmittedThrough;
                // Position ÷ outflow; a line that is not moving yet (a sale before it opens) has no honest
                // estimate beyond "at the floor rate", which is what the outflow then reads.
                var wait = TimeSpan.FromSeconds(position / Math.Max(_outflow, 0.01));
                return new Place.Waiting(position, wait);
            }

            // Passed longer ago than an admission lives (pruned), or when the first step covering it was seen.
            var passedAt = sequence <= _expiredThrough ? DateTimeOffset.MinValue : now;
            foreach (var step in _steps)
            {
                if (sequence > _expiredThrough && step.Through >= sequence)
                {
                    passedAt = step.At;
                    break;
                }
            }

            var expiresAt = (passedAt > joinedAt ? passedAt : joinedAt) + admissionLifetime;
            return expiresAt > now ? new Place.Admitted(expiresAt) : new Place.Expired();
        }
    }
}
