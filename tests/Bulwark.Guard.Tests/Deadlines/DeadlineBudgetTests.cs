using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Edge;

namespace Bulwark.Guard.Tests.Deadlines;

public class DeadlineBudgetTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    [Fact]
    public void An_idle_process_keeps_only_the_reserve_back()
    {
        Assert.Equal(Deadline - DeadlineBudget.Reserve, DeadlineBudget.Within(Deadline, CpuDelay.None));
    }

    [Fact]
    public void A_cpu_queue_is_paid_twice_before_and_after_the_work()
    {
        var budget = DeadlineBudget.Within(Deadline, CpuDelay.Steady(TimeSpan.FromMilliseconds(100)));

        Assert.Equal(Deadline - TimeSpan.FromMilliseconds(200) - DeadlineBudget.Reserve, budget);
    }

    [Fact]
    public void A_saturated_cpu_shortens_the_work_to_half_the_deadline_and_no_further()
    {
        Assert.Equal(Deadline / 2, DeadlineBudget.Within(Deadline, CpuDelay.Steady(TimeSpan.FromSeconds(3))));
    }
}
