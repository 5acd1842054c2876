using System.ComponentModel.DataAnnotations;

namespace Bulwark.Shop.Accounts;

/// <summary>The CPU budget for password hashing (section <c>PasswordHashing</c>).</summary>
public sealed class PasswordHashingOptions
{
    public const string Section = "PasswordHashing";

    /// <summary>
    /// Hashes (PBKDF2, tens of CPU-milliseconds each) that may run at once, each on a thread of its own; the rest queue
    /// by priority within their deadline or are refused with 503. Default one per core: what keeps a sign-in storm
    /// from starving checkout is <see cref="CpuShare"/>, which holds exactly when it would; a lower limit only made
    /// sign-ups on a machine busy with other processes wait in line past their deadline (<c>HOGS=3 bench/signup-burst.sh</c>
    /// shows what is left of that: beside three busy processes the tail of sixteen sign-ups is refused at once when
    /// their hashes could not end within the deadline).
    /// </summary>
    [Range(1, 1024)]
    public int Concurrency { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Time a sign-in still needs after its hash (the token, the answer): when set, a hash is started only if it can
    /// end this long before the request's deadline, else the sign-in gets 503 at once. Off by default: the lab's
    /// incident 3 saw guarded sign-ins answered up to 60 ms past the 2 s deadline without it, but 100 and 300 ms both
    /// refused some of sixteen sign-ups arriving together on an idle shop on a busy CI machine (AccountsApiTests),
    /// and an idle shop must not shed. Sizing it needs the hash's own time measured, not its mean (next step).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan DeadlineReserve { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// The share of the process's CPUs that hashing may take on average while the CPU is short and checkouts are being
    /// served (a twentieth), charged by the CPU time each hash used. A concurrency limit alone does not bound it where
    /// the shop has one core: one hash at a time is that whole core, and in the lab's incident 3 (one core for shop and
    /// PostgreSQL, 40 sign-ins a second) checkouts waited behind sign-ins for the processor. Measured there, guarded
    /// checkout goodput by share: see docs/benchmarks.md. Beyond the share sign-ins wait their turn within their
    /// deadline or get 503 at once; with no checkout in flight, or a CPU with time to spare, hashing runs freely.
    /// </summary>
    public double CpuShare { get; set; } = 0.05;

    /// <summary>
    /// How busy the process's CPUs must be (share of the last second, whoever keeps them busy) for
    /// <see cref="CpuShare"/> to hold; below it hashing runs freely. The share also holds while the CPU queue stands at
    /// the sheddable processing-delay target. Either way only while checkouts are in flight (Guard's <c>CpuContention</c>).
    /// </summary>
    [Range(0.5, 1.0)]
    public double ContendedAbove { get; set; } = 0.9;

    /// <summary>
    /// Hashing time that may run back to back after a quiet spell before the share paces it: a burst of sign-ups
    /// on an idle shop is never refused for the share (two seconds is about twenty hashes on this project's
    /// reference machine).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan Burst { get; set; } = TimeSpan.FromSeconds(2);
}
