using Bulwark.Guard.Limits;

namespace Bulwark.Guard.Gate;

/// <summary>
/// Everything about admission an operator may change while the service runs (through
/// <see cref="IGateControl.Apply"/>). Immutable: the gate swaps whole snapshots, so readers on the hot
/// path never see half a change.
/// </summary>
public sealed record GateSettings
{
    /// <summary>The adaptive limit never goes below this many leases. Default 2.</summary>
    public int Floor { get; init; } = 2;

    /// <summary>An operator's cap below the server-derived ceiling; null uses the server's. Default null.</summary>
    public int? Ceiling { get; init; }

    /// <summary>The limit before the first measurement. Default 8.</summary>
    public int InitialLimit { get; init; } = 8;

    /// <summary><c>vegas</c> (default), <c>gradient2</c>, <c>aimd</c> or <c>fixed</c> (holds <see cref="InitialLimit"/>).</summary>
    public string Algorithm { get; init; } = LimitAlgorithms.Vegas;

    /// <summary>Share of the limit only critical work may use (normal and sheddable stop short of it). Default 0.2.</summary>
    public double ReservedCriticalShare { get; init; } = 0.2;

    /// <summary>Order within one priority. Default FIFO (chosen by measurement, see <see cref="ConcurrencyGate"/>).</summary>
    public QueueOrder QueueOrder { get; init; } = QueueOrder.Fifo;

    /// <summary>Most callers that may wait at once; beyond it the lowest priority is refused. Default 1000.</summary>
    public int MaxWaiters { get; init; } = 1000;

    /// <summary>Deadline of work that arrives without one (each HTTP request gets its priority's). Default 2 s each.</summary>
    public PriorityDurations Deadlines { get; init; } = PriorityDurations.All(TimeSpan.FromSeconds(2));

    /// <summary>
    /// Queue delay above which the edge sheds a priority before doing any work. Defaults: critical 50 ms,
    /// normal 10 ms, sheddable 5 ms: a few query times, so admitted work stays fast (in the simulation
    /// the p99 of admitted work at 10× load stayed under 3× the unloaded p99) and the queue only smooths
    /// bursts. Critical was 500 ms ("wait as long as it usefully can"), but a purchase is two critical
    /// requests (cart change, checkout) and the objective is 200 ms at p99: two half-second queues
    /// cannot meet it, so at 10× load admitted purchases were served too late to count.
    /// </summary>
    public PriorityDurations QueueDelayTargets { get; init; } = new()
    {
        Critical = TimeSpan.FromMilliseconds(50),
        Normal = TimeSpan.FromMilliseconds(10),
        Sheddable = TimeSpan.FromMilliseconds(5),
    };

    /// <summary>
    /// Standing CPU lateness (<c>ProcessingDelay</c>: how late queued work runs, the floor of the last 100 ms)
    /// above which the edge sheds a priority. Stricter than <see cref="QueueDelayTargets"/> because a request
    /// waits for the CPU at every step, not once. Defaults: critical 100 ms, normal 50 ms, sheddable 25 ms — what
    /// the CPU was allowed before (the gate's burst allowance), now as a standing delay: 20/10/5 ms kept checkouts
    /// at 5× in one overload sweep, but shed a light smoke scenario on a busy CI machine and did not help incident 3
    /// (lab, 2026-12-02). Lower them where the shop has its cores to itself; measure with `lab bench --mix-capacity`.
    /// </summary>
    public PriorityDurations ProcessingDelayTargets { get; init; } = new()
    {
        Critical = TimeSpan.FromMilliseconds(100),
        Normal = TimeSpan.FromMilliseconds(50),
        Sheddable = TimeSpan.FromMilliseconds(25),
    };

    /// <summary>
    /// How long the measured queue delay of a priority must stay above its target before the edge sheds
    /// it at that target (CoDel's interval); until then it sheds only beyond this much delay. A burst
    /// that the queue absorbs within this time is served, not shed: with instant shedding on the
    /// estimated delay, Poisson bursts at moderate load shed cart updates and sign-ups on a shop with
    /// spare capacity. Default 100 ms; zero sheds on the target alone.
    /// </summary>
    public TimeSpan ShedAfter { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Per-client token bucket at the edge.</summary>
    public ClientRateLimitSettings RateLimit { get; init; } = new();

    /// <summary>Failed sign-ins allowed per address and per account (<c>LoginThrottle</c>, fed by the app).</summary>
    public LoginThrottleSettings LoginThrottle { get; init; } = new();

    /// <summary>Problems that make these settings unusable (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Floor < 1)
        {
            errors.Add($"floor must be at least 1 (was {Floor}).");
        }

        if (Ceiling is { } ceiling && ceiling < Floor)
        {
            errors.Add($"ceiling ({ceiling}) must not be below the floor ({Floor}).");
        }

        if (InitialLimit < 1)
        {
            errors.Add($"initialLimit must be at least 1 (was {InitialLimit}).");
        }

        if (!LimitAlgorithms.IsKnown(Algorithm))
        {
            errors.Add($"algorithm '{Algorithm}' is unknown; use one of {string.Join(", ", LimitAlgorithms.Names)}.");
        }

        if (ShedAfter < TimeSpan.Zero || ShedAfter > TimeSpan.FromSeconds(10))
        {
            errors.Add($"shedAfter must be between 0 and 10 s (was {ShedAfter.TotalMilliseconds:0} ms).");
        }

        if (ReservedCriticalShare is < 0 or >= 1 || double.IsNaN(ReservedCriticalShare))
        {
            errors.Add($"reservedCriticalShare must be in [0, 1) (was {ReservedCriticalShare}).");
        }

        if (MaxWaiters < 0)
        {
            errors.Add($"maxWaiters must not be negative (was {MaxWaiters}).");
        }

        foreach (var priority in Enum.GetValues<Priority>())
        {
            if (Deadlines is null || Deadlines.For(priority) <= TimeSpan.Zero)
            {
                errors.Add($"deadline for {priority.Tag()} must be positive.");
            }

            if (QueueDelayTargets is null || QueueDelayTargets.For(priority) < TimeSpan.Zero)
            {
                errors.Add($"queue delay target for {priority.Tag()} must not be negative.");
            }

            if (ProcessingDelayTargets is null || ProcessingDelayTargets.For(priority) < TimeSpan.Zero)
            {
                errors.Add($"processing delay target for {priority.Tag()} must not be negative.");
            }
        }

        errors.AddRange(RateLimit?.Validate() ?? ["rateLimit is required."]);
        errors.AddRange(LoginThrottle?.Validate() ?? ["loginThrottle is required."]);
        return errors;
    }
}

/// <summary>Token bucket per client (user name, else remote address).</summary>
public sealed record ClientRateLimitSettings
{
    /// <summary>Off disables the per-client limit. Default on.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Sustained requests per second per client. Default 50.</summary>
    public int PermitsPerSecond { get; init; } = 50;

    /// <summary>Bucket size: the burst a client may send at once. Default 100.</summary>
    public int Burst { get; init; } = 100;

    public IEnumerable<string> Validate()
    {
        if (PermitsPerSecond < 1)
        {
            yield return "rateLimit.permitsPerSecond must be at least 1.";
        }

        if (Burst < 1)
        {
            yield return "rateLimit.burst must be at least 1.";
        }
    }
}

/// <summary>
/// Against password guessing: <em>failed</em> sign-ins allowed per client address and per account (a
/// successful sign-in never counts, so a crowd behind one NAT is not locked out).
/// </summary>
public sealed record LoginThrottleSettings
{
    /// <summary>Failed sign-ins per minute from one address, once its burst is spent. Default 20.</summary>
    public int PerAddressPerMinute { get; init; } = 20;

    /// <summary>Failed sign-ins one address may have before it is refused (429). Default 20.</summary>
    public int PerAddressBurst { get; init; } = 20;

    /// <summary>Failed sign-ins per minute for one account, once its burst is spent. Default 5.</summary>
    public int PerAccountPerMinute { get; init; } = 5;

    /// <summary>Failed sign-ins one account may have before it is refused (429), whoever asks. Default 5.</summary>
    public int PerAccountBurst { get; init; } = 5;

    public IEnumerable<string> Validate()
    {
        if (PerAddressPerMinute < 1 || PerAddressBurst < 1 || PerAccountPerMinute < 1 || PerAccountBurst < 1)
        {
            yield return "loginThrottle rates and bursts must be at least 1.";
        }
    }
}
