namespace Bulwark.Guard.Gate;

/// <summary>Why a unit of work was turned away instead of waiting or running.</summary>
public enum RejectionReason
{
    /// <summary>The queue delay ahead of it plus its expected run time would pass its deadline: refused at once.</summary>
    DeadlineUnmeetable,

    /// <summary>The edge shed it because the gate's queue delay for its priority exceeded the target.</summary>
    QueueDelay,

    /// <summary>Too many waiters already; a waiter of lower priority may have been evicted to make room.</summary>
    QueueFull,

    /// <summary>It waited until too little of its deadline was left to do the work.</summary>
    Expired,

    /// <summary>Its caller gave up while it waited (counted only; the caller gets an <see cref="OperationCanceledException"/>).</summary>
    Cancelled,

    /// <summary>Its client exceeded its request rate (429).</summary>
    RateLimited,

    /// <summary>Too many sign-in attempts from its address or for its account (429).</summary>
    LoginThrottled,
}

/// <summary>Metric tag values for <see cref="RejectionReason"/>.</summary>
public static class RejectionReasons
{
    public static IReadOnlyList<RejectionReason> All { get; } = Enum.GetValues<RejectionReason>();

    public static string Tag(this RejectionReason reason) => reason switch
    {
        RejectionReason.DeadlineUnmeetable => "deadline_unmeetable",
        RejectionReason.QueueDelay => "queue_delay",
        RejectionReason.QueueFull => "queue_full",
        RejectionReason.Expired => "expired",
        RejectionReason.Cancelled => "cancelled",
        RejectionReason.RateLimited => "rate_limited",
        RejectionReason.LoginThrottled => "login_throttled",
        _ => reason.ToString(),
    };

    public static string Tag(this Priority priority) => priority switch
    {
        Priority.Critical => "critical",
        Priority.Normal => "normal",
        Priority.Sheddable => "sheddable",
        _ => priority.ToString(),
    };
}
