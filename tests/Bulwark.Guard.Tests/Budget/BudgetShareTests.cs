using Bulwark.Guard.Budget;

namespace Bulwark.Guard.Tests.Budget;

public sealed class BudgetShareTests
{
    private static readonly Guid A = new("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid B = new("00000000-0000-0000-0000-00000000000b");
    private static readonly Guid C = new("00000000-0000-0000-0000-00000000000c");

    [Fact]
    public void An_instance_alone_takes_the_whole_budget() =>
        Assert.Equal(14, BudgetShare.Target(14, [new(A, 0)], A));

    [Fact]
    public void The_remainder_goes_to_the_longest_running_instances()
    {
        InstanceClaim[] settled = [new(A, 5), new(B, 5), new(C, 4)];
        Assert.Equal([5, 5, 4], settled.Select(instance => BudgetShare.Target(14, settled, instance.Id)));
    }

    [Fact]
    public void A_new_instance_gets_only_what_the_others_have_given_back()
    {
        Assert.Equal(0, BudgetShare.Target(14, [new(A, 14), new(B, 0)], B));
        Assert.Equal(7, BudgetShare.Target(14, [new(A, 14), new(B, 0)], A));
        Assert.Equal(7, BudgetShare.Target(14, [new(A, 7), new(B, 0)], B));
    }

    [Fact]
    public void Claims_made_one_at_a_time_never_exceed_the_budget_and_settle_on_fair_shares()
    {
        // Deterministic simulation: instances join, leave and beat in a seeded random order, each beat
        // recording its claim as the registry does under its lock.
        var random = new Random(20261202);
        for (var run = 0; run < 200; run++)
        {
            var budget = random.Next(1, 120);
            var live = new List<InstanceClaim>();
            var joined = 0;
            for (var step = 0; step < 300; step++)
            {
                var roll = random.NextDouble();
                if (live.Count == 0 || roll < 0.08)
                {
                    live.Add(new InstanceClaim(new Guid(0, 0, 0, BitConverter.GetBytes((long)++joined)), 0));
                }
                else if (roll < 0.12 && live.Count > 1)
                {
                    live.RemoveAt(random.Next(live.Count));
                }

                var beating = random.Next(live.Count);
                live[beating] = live[beating] with { Claim = BudgetShare.Target(budget, live, live[beating].Id) };
                Assert.True(live.Sum(instance => instance.Claim) <= budget, $"claims {string.Join(",", live.Select(i => i.Claim))} exceed {budget}");
            }

            // Two rounds of heartbeats without joins or leaves: everyone has shrunk, then everyone has grown.
            for (var round = 0; round < 2; round++)
            {
                for (var i = 0; i < live.Count; i++)
                {
                    live[i] = live[i] with { Claim = BudgetShare.Target(budget, live, live[i].Id) };
                }
            }

            Assert.Equal(Math.Min(budget, budget / live.Count * live.Count + budget % live.Count), live.Sum(instance => instance.Claim));
            Assert.True(live.Max(instance => instance.Claim) - live.Min(instance => instance.Claim) <= 1);
        }
    }
}
