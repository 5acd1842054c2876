namespace Bulwark.PaymentSandbox;

/// <summary>
/// Settings fixed for the life of one sandbox. Bound from the <c>PaymentSandbox</c> configuration section
/// (e.g. <c>--PaymentSandbox:SlowTokenDelay=00:00:01</c>), then the <c>configure</c> delegate passed to
/// <see cref="PaymentSandboxApp.Create"/> has the last word. Validated when the app starts.
/// </summary>
public sealed class PaymentSandboxOptions
{
    public const string SectionName = "PaymentSandbox";

    /// <summary>How long <c>tok_slow</c> takes to be approved. 0 to 60 s.</summary>
    public TimeSpan SlowTokenDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Seed for fault injection dice; the same seed replays the same faults. Null: unpredictable.</summary>
    public int? RandomSeed { get; set; }

    /// <summary>
    /// How long an injected timeout hangs when the client never gives up, before answering 504.
    /// Internal: callers get the documented 60 s; tests shorten it.
    /// </summary>
    internal TimeSpan HangLimit { get; set; } = TimeSpan.FromSeconds(60);

    internal static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(60);
}
