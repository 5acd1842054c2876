namespace Bulwark.Guard.Gate;

/// <summary>A duration per priority (deadlines, queue-delay targets).</summary>
public sealed record PriorityDurations
{
    public TimeSpan Critical { get; init; }

    public TimeSpan Normal { get; init; }

    public TimeSpan Sheddable { get; init; }

    public TimeSpan For(Priority priority) => priority switch
    {
        Priority.Critical => Critical,
        Priority.Normal => Normal,
        _ => Sheddable,
    };

    public static PriorityDurations All(TimeSpan value) => new() { Critical = value, Normal = value, Sheddable = value };
}
