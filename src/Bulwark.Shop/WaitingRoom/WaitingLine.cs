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
/// sequence N") and counter it last read, and when each sequence was admitted, which is when that ticket's
/// admission started to run out. That instant is the database's <c>admitted_at</c> (<see cref="Learn"/>), the
/// very one a sale line stops counting the ticket from, so the expiry an admission carries can never outlast the
/// unit held for it; for places no ticket held yet when last read, it is when this instance saw the frontier pass
/// them, which only the ticket's own joining time can come after. Pure apart from the injected clock; every
/// instance keeps one per room and feeds it what it reads from the room's row, so polls are answered from here.
/// </summary>
public sealed class WaitingLine(TimeProvider clock, TimeSpan admissionLifetime)
{
    private readonly Lock _lock = new();

    // Admitted through → admitted at, lowest first (and so oldest first: the frontier and joins only move forward);
    // pruned once older than an admission can live.
    private readonly SortedList<long, DateTimeOffset> _steps = [];
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

    /// <summary>Polls held open until the frontier passes their place (the sale room's also until it sells out).</summary>
    public PollWaiters Waiters { get; } = new();

    /// <summary>Tickets handed out and not yet let out.</summary>
    public long Waiting => Math.Max(0, LastSequence - AdmittedThrough);

    /// <summary>Takes in the room's shared state; the frontier and counter only ever move forward.</summary>
    public void Observe(double frontier, long lastSequence, double outflow, long outstanding = 0)
    {
        var now = clock.GetUtcNow();
        lock (_lock)
        {
            var through = (long)Math.Floor(frontier);
            if ((through > AdmittedThrough || _steps.Count == 0) && through > 0 && !_steps.ContainsKey(through))
            {
                // Places the database has not dated for this instance (no ticket held them when it was read) date
                // from now; a ticket taken there later is admitted from its own joining time, which comes after.
                _steps.Add(through, now);
            }

            Prune(now);

            Volatile.Write(ref _frontier, Math.Max(_frontier, frontier));
            Volatile.Write(ref _lastSequence, Math.Max(_lastSequence, lastSequence));
            Volatile.Write(ref _outflow, outflow);
            Volatile.Write(ref _outstanding, outstanding);
        }

        Waiters.Release(AdmittedThrough);
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

            // Passed longer ago than an admission lives (pruned), or when the first step covering it was admitted.
            var passedAt = sequence <= _expiredThrough ? DateTimeOffset.MinValue : now;
            if (sequence > _expiredThrough && FirstCovering(sequence) is var index and >= 0)
            {
                passedAt = _steps.GetValueAtIndex(index);
            }

            var expiresAt = (passedAt > joinedAt ? passedAt : joinedAt) + admissionLifetime;
            return expiresAt > now ? new Place.Admitted(expiresAt) : new Place.Expired();
        }
    }

    /// <summary>
    /// Takes in when the database admitted tickets of this room (read on a tick, the same instants the sale line's
    /// count runs from). An earlier instant replaces a later one this instance had guessed from when it saw the
    /// frontier move.
    /// </summary>
    /// <param name="expiredThrough">
    /// On an instance's first reading only: places up to here were admitted before the admissions read (longer ago
    /// than an admission lives), so they are expired rather than dated from now.
    /// </param>
    public void Learn(IEnumerable<AdmissionStep> steps, long? expiredThrough = null)
    {
        var now = clock.GetUtcNow();
        lock (_lock)
        {
            if (expiredThrough is { } through && through > _expiredThrough)
            {
                _expiredThrough = through;
                while (_steps.Count > 0 && _steps.GetKeyAtIndex(0) <= through)
                {
                    _steps.RemoveAt(0);
                }
            }

            foreach (var step in steps)
            {
                if (step.Through > _expiredThrough)
                {
                    _steps[step.Through] = _steps.TryGetValue(step.Through, out var known) && known < step.AtUtc ? known : step.AtUtc;
                }
            }

            Prune(now);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        while (_steps.Count > 1 && now - _steps.GetValueAtIndex(0) >= admissionLifetime)
        {
            _expiredThrough = Math.Max(_expiredThrough, _steps.GetKeyAtIndex(0));
            _steps.RemoveAt(0);
        }
    }

    /// <summary>Index of the lowest step admitted through <paramref name="sequence"/> or beyond, or -1.</summary>
    private int FirstCovering(long sequence)
    {
        var keys = _steps.Keys;
        int low = 0, high = keys.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (keys[middle] < sequence)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low < keys.Count ? low : -1;
    }
}
