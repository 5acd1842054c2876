using Bulwark.Guard.Gate;

namespace Bulwark.Shop.Operations.Dashboard;

/// <summary>One number per priority, and their total (which also counts what carried no priority).</summary>
public sealed record PerPriority(double Critical, double Normal, double Sheddable, double Total)
{
    public static readonly PerPriority Zero = new(0, 0, 0, 0);

    public double this[Priority priority] => priority switch
    {
        Priority.Critical => Critical,
        Priority.Normal => Normal,
        Priority.Sheddable => Sheddable,
        _ => 0,
    };

    /// <summary>Sums values by the priority each belongs to (null: none, counted in the total only).</summary>
    public static PerPriority Sum<T>(IEnumerable<T> items, Func<T, Priority?> priorityOf, Func<T, double> valueOf)
    {
        double critical = 0, normal = 0, sheddable = 0, total = 0;
        foreach (var item in items)
        {
            var value = valueOf(item);
            total += value;
            switch (priorityOf(item))
            {
                case Priority.Critical: critical += value; break;
                case Priority.Normal: normal += value; break;
                case Priority.Sheddable: sheddable += value; break;
            }
        }

        return new PerPriority(critical, normal, sheddable, total);
    }

    /// <summary>Per-second rates between two running totals taken <paramref name="seconds"/> apart.</summary>
    public PerPriority RateSince(PerPriority earlier, double seconds) => seconds <= 0
        ? Zero
        : new PerPriority(Rate(Critical, earlier.Critical, seconds), Rate(Normal, earlier.Normal, seconds),
            Rate(Sheddable, earlier.Sheddable, seconds), Rate(Total, earlier.Total, seconds));

    // A total that went down was reset (its series disappeared and came back); count from zero then.
    private static double Rate(double now, double before, double seconds) => (now >= before ? now - before : now) / seconds;
}
