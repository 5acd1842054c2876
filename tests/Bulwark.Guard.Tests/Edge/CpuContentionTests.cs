using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Tests.Simulation;

namespace Bulwark.Guard.Tests.Edge;

/// <summary>When hashing-like work must yield the CPU: short of it, and more important requests there to want it.</summary>
public sealed class CpuContentionTests : IDisposable
{
    private readonly VirtualClock _clock = new();
    private readonly RequestsInFlight _requests = new();
    private readonly ProcessingDelay _queue;
    private readonly CpuSaturation _cpu;
    private long _busy;
    private long _idle;

    public CpuContentionTests()
    {
        _queue = new ProcessingDelay(_clock);
        _cpu = new CpuSaturation(_clock, () => $"cpu0 {_busy} 0 0 {_idle} 0 0 0 0 0 0\n", null);
    }

    private CpuContention Contention() => new(_cpu, _queue, _requests, new SettingsOnlyControl(new GateSettings()));

    /// <summary>One period of the CPU busy for this share of the time.</summary>
    private void RunBusy(double share)
    {
        _busy += (long)(100 * share);
        _idle += 100 - (long)(100 * share);
        _clock.RunUntil(_clock.Now + CpuSaturation.Period);
    }

    [Fact]
    public void A_saturated_cpu_with_only_the_works_own_kind_and_browsing_in_flight_is_not_short()
    {
        RunBusy(1.0);
        using var signUp = _requests.Enter(Priority.Normal);
        using var browse = _requests.Enter(Priority.Sheddable);

        Assert.False(Contention().ShortFor(Priority.Normal, 0.9));
    }

    [Fact]
    public void A_saturated_cpu_with_a_checkout_in_flight_is_short_for_sign_ins_until_the_checkout_is_answered()
    {
        RunBusy(0.95);
        var contention = Contention();
        var checkout = _requests.Enter(Priority.Critical);

        Assert.True(contention.ShortFor(Priority.Normal, 0.9));
        Assert.False(contention.ShortFor(Priority.Critical, 0.9)); // nothing matters more than a checkout

        checkout.Dispose();
        Assert.False(contention.ShortFor(Priority.Normal, 0.9));
    }

    [Fact]
    public void A_checkout_in_flight_on_a_cpu_with_time_to_spare_is_not_short()
    {
        RunBusy(0.5);
        using var checkout = _requests.Enter(Priority.Critical);

        Assert.False(Contention().ShortFor(Priority.Normal, 0.9));
    }

    [Fact]
    public void A_standing_cpu_queue_counts_as_short_where_proc_stat_says_nothing()
    {
        using var checkout = _requests.Enter(Priority.Critical);
        var contention = Contention();
        Assert.False(contention.ShortFor(Priority.Normal, 0.9));

        // Every probe of the last hundred milliseconds ran at least 30 ms late: over the sheddable target.
        for (var i = 0; i < 10; i++)
        {
            _queue.Record(TimeSpan.FromMilliseconds(30));
        }

        Assert.True(contention.ShortFor(Priority.Normal, 0.9));
    }

    public void Dispose()
    {
        _cpu.Dispose();
        _queue.Dispose();
    }
}
