using System.ComponentModel.DataAnnotations;

namespace Bulwark.Shop.WaitingRoom;

/// <summary>The checkout waiting rooms (section <c>WaitingRoom</c>).</summary>
public sealed class WaitingRoomOptions : IValidatableObject
{
    public const string Section = "WaitingRoom";

    /// <summary>
    /// HMAC-SHA256 key for tickets and admissions, base64, at least 32 bytes. Every instance must share it
    /// (a ticket is checked by whichever instance the poll reaches). Unset: a random key per process, which
    /// only a single instance can use.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>Fewest admissions per second a room lets out, however slow the gate looks: a line always moves.</summary>
    [Range(0.1, 10_000)]
    public double MinOutflowPerSecond { get; set; } = 1;

    /// <summary>Most admissions per second a room lets out, however fast the gate looks.</summary>
    [Range(0.1, 100_000)]
    public double MaxOutflowPerSecond { get; set; } = 200;

    /// <summary>
    /// How many may be admitted at once into an idle room (a token bucket's depth): without it the first
    /// buyer after a quiet spell would wait for a tick.
    /// </summary>
    [Range(0, 10_000)]
    public double Burst { get; set; } = 5;

    /// <summary>How long an admission stays usable after the frontier passed it.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan AdmissionLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How much longer than <see cref="AdmissionLifetime"/> a sale's line keeps counting an unused admission as
    /// holding a unit. The admission a buyer holds expires at the database's admitted_at + lifetime, and the line
    /// stops counting it at admitted_at + lifetime + this, so the two never overlap as long as this covers: the
    /// skew between an instance's clock (which checks the expiry) and the database's (which stamps admitted_at),
    /// the milliseconds a join and a tick may stamp out of step, and a checkout that spent its admission just in
    /// time and is still taking the unit inside its deadline (<c>Guard:Deadlines</c>, 2 s by default).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan AdmissionGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a ticket may be polled: past it, joining again gives a new place at the back.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How often each instance reads (and, holding the lock, advances) the shared frontiers.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:05")]
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Longest a poll sent with <c>Prefer: wait=N</c> is held for its turn or the sale selling out (and never past its
    /// deadline, less half a second to answer). A held poll answers the moment either happens, so a buyer learns it
    /// within a tick; holding costs no CPU. Zero answers every poll at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan MaxPollHold { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest a client is told to wait between polls: bounds how late it learns it was admitted or the sale sold out.</summary>
    [Range(1, 60)]
    public int MaxPollAfterSeconds { get; set; } = 5;

    /// <summary>
    /// Fraction of the gate's critical queue-delay target above which every checkout needs a general-room
    /// admission. Below 1 so the room takes over before the edge starts shedding checkouts with 503.
    /// </summary>
    [Range(0.05, 10)]
    public double GeneralRoomAtTargetFraction { get; set; } = 0.5;

    /// <summary>
    /// Whether checkout over capacity sends buyers to the general room at all. Off, overload is left to the edge's
    /// 503s (sale rooms still work). The load lab's bench and incident replays turn it off: their clients give up on a
    /// refusal instead of queueing, so with it on they would measure their own behaviour rather than the gate's.
    /// </summary>
    public bool GeneralRoom { get; set; } = true;

    /// <summary>How long checkout must stay over capacity before the general room is required: a burst is not an overload.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan GeneralRoomAfter { get; set; } = TimeSpan.FromSeconds(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinOutflowPerSecond > MaxOutflowPerSecond)
        {
            yield return new ValidationResult("MinOutflowPerSecond must not exceed MaxOutflowPerSecond.",
                [nameof(MinOutflowPerSecond), nameof(MaxOutflowPerSecond)]);
        }

        if (SigningKey is not null && WaitingRoomSigner.KeyError(SigningKey) is { } error)
        {
            yield return new ValidationResult(error, [nameof(SigningKey)]);
        }
    }
}
