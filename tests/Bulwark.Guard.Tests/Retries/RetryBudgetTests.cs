using Bulwark.Guard.Retries;
using Bulwark.Guard.Tests.Simulation;

namespace Bulwark.Guard.Tests.Retries;

public sealed class RetryBudgetTests
{
    private readonly VirtualClock _clock = new();

    [Fact]
    public void Retries_are_capped_at_a_tenth_of_first_attempts_over_the_window()
    {
        var budget = new RetryBudget(_clock, new RetryOptions { MinRetriesPerWindow = 0 });
        for (var i = 0; i < 200; i++)
        {
            budget.RecordFirstAttempt();
        }

        var granted = Enumerable.Range(0, 100).Count(_ => budget.TryWithdraw());

        Assert.Equal(20, granted);
    }

    [Fact]
    public void A_quiet_service_may_still_retry_a_few_lone_failures()
    {
        var budget = new RetryBudget(_clock, new RetryOptions { MinRetriesPerWindow = 5 });
        budget.RecordFirstAttempt();

        var granted = Enumerable.Range(0, 10).Count(_ => budget.TryWithdraw());

        Assert.Equal(5, granted);
    }

    [Fact]
    public void Spent_retries_come_back_once_they_slide_out_of_the_window()
    {
        var budget = new RetryBudget(_clock, new RetryOptions { MinRetriesPerWindow = 0, BudgetWindow = TimeSpan.FromSeconds(10) });
        for (var i = 0; i < 100; i++)
        {
            budget.RecordFirstAttempt();
        }

        while (budget.TryWithdraw())
        {
        }

        Assert.Equal(10, budget.RetriesInWindow);

        // Ten seconds later the old attempts and retries are both forgotten: fresh traffic earns fresh retries.
        _clock.RunUntil(TimeSpan.FromSeconds(11));
        Assert.Equal(0, budget.RetriesInWindow);
        Assert.False(budget.TryWithdraw());
        for (var i = 0; i < 30; i++)
        {
            budget.RecordFirstAttempt();
        }

        Assert.Equal(3, Enumerable.Range(0, 10).Count(_ => budget.TryWithdraw()));
    }

    [Fact]
    public void Backoff_is_jittered_below_an_exponentially_growing_cap()
    {
        var backoff = new Backoff(new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(500) }, new Random(7));
        var delays = Enumerable.Range(1, 6).Select(retry => Enumerable.Range(0, 200).Select(_ => backoff.Delay(retry)).ToList()).ToList();

        for (var retry = 1; retry <= 6; retry++)
        {
            var cap = TimeSpan.FromMilliseconds(Math.Min(500, 20 * Math.Pow(2, retry - 1)));
            Assert.All(delays[retry - 1], d => Assert.InRange(d, TimeSpan.Zero, cap));
            Assert.True(delays[retry - 1].Distinct().Count() > 150, "delays should be spread, not synchronised");
        }
    }
}
