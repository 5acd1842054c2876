namespace Bulwark.Guard.Budget;

/// <summary>One live instance as the registry lists it, in start order.</summary>
public sealed record InstanceClaim(Guid Id, int Claim);

/// <summary>
/// How many of the shared connections one instance may claim. The fair share is the budget divided by the
/// live instances (the remainder to the longest-running); but never more than the others leave, so that the
/// claims, written one at a time under a lock, never add up past the budget. A new instance therefore starts
/// small and grows as the others give back their surplus on their next heartbeat.
/// </summary>
public static class BudgetShare
{
    public static int Target(int budget, IReadOnlyList<InstanceClaim> liveInStartOrder, Guid self)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(budget);
        var index = -1;
        var others = 0;
        for (var i = 0; i < liveInStartOrder.Count; i++)
        {
            if (liveInStartOrder[i].Id == self)
            {
                index = i;
            }
            else
            {
                others += liveInStartOrder[i].Claim;
            }
        }

        if (index < 0)
        {
            throw new ArgumentException("The instance must be among the live ones.", nameof(self));
        }

        var count = liveInStartOrder.Count;
        var fair = budget / count + (index < budget % count ? 1 : 0);
        return Math.Clamp(budget - others, 0, fair);
    }
}
