using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Tests.Simulation;

namespace Bulwark.Guard.Tests.Edge;

/// <summary>The failed-sign-in counting, on a virtual clock: every step and every Retry-After is exact.</summary>
public sealed class LoginThrottleTests
{
    private const string Office = "ip:203.0.113.7";
    private readonly VirtualClock _clock = new();
    private readonly SettingsOnlyControl _control = new(new GateSettings
    {
        LoginThrottle = new LoginThrottleSettings
        {
            PerAddressPerMinute = 20,
            PerAddressBurst = 20,
            PerAccountPerMinute = 5,
            PerAccountBurst = 5,
        },
    });

    private LoginThrottle Throttle() => new(_control, GuardMode.On, _clock);

    [Fact]
    public void Fifty_correct_sign_ins_from_one_address_within_a_minute_are_all_admitted()
    {
        var throttle = Throttle();
        for (var i = 0; i < 50; i++)
        {
            Assert.False(throttle.Admit(Office, $"shopper{i}@example.com").Refused, $"shopper {i}");
            Assert.False(throttle.AdmitAddress(Office).Refused);
            _clock.RunUntil(_clock.Now + TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public void An_account_is_refused_after_its_burst_of_failures_and_gets_one_more_per_interval()
    {
        var throttle = Throttle();
        for (var i = 0; i < 5; i++)
        {
            Assert.False(throttle.Admit($"ip:198.51.100.{i}", "victim@example.com").Refused, $"failure {i}");
            throttle.RecordFailure($"ip:198.51.100.{i}", "victim@example.com");
        }

        // From any address, the right password included: the refusal comes before the hash.
        var refused = throttle.Admit("ip:192.0.2.1", " Victim@Example.com ");
        Assert.True(refused.Refused);
        Assert.Equal(TimeSpan.FromSeconds(12), refused.RetryAfter);
        Assert.False(throttle.Admit("ip:192.0.2.1", "other@example.com").Refused);

        _clock.RunUntil(_clock.Now + TimeSpan.FromSeconds(11.9));
        Assert.True(throttle.Admit("ip:192.0.2.1", "victim@example.com").Refused);
        _clock.RunUntil(_clock.Now + TimeSpan.FromSeconds(0.1));
        Assert.False(throttle.Admit("ip:192.0.2.1", "victim@example.com").Refused);
        throttle.RecordFailure("ip:192.0.2.1", "victim@example.com");
        Assert.True(throttle.Admit("ip:192.0.2.1", "victim@example.com").Refused);

        // A quiet minute restores the whole burst.
        _clock.RunUntil(_clock.Now + TimeSpan.FromMinutes(1));
        for (var i = 0; i < 5; i++)
        {
            Assert.False(throttle.Admit("ip:192.0.2.1", "victim@example.com").Refused);
            throttle.RecordFailure("ip:192.0.2.1", "victim@example.com");
        }
    }

    [Fact]
    public void Failures_spread_over_many_accounts_from_one_address_exhaust_the_address()
    {
        var throttle = Throttle();
        var outcomes = new List<bool>();
        for (var i = 0; i < 30; i++)
        {
            var account = $"user{i}@example.com";
            var decision = throttle.Admit(Office, account);
            outcomes.Add(decision.Refused);
            if (!decision.Refused)
            {
                throttle.RecordFailure(Office, account);
            }
        }

        Assert.Equal(Enumerable.Repeat(false, 20).Concat(Enumerable.Repeat(true, 10)), outcomes);
        var atTheEdge = throttle.AdmitAddress(Office);
        Assert.True(atTheEdge.Refused);
        Assert.Equal(TimeSpan.FromSeconds(3), atTheEdge.RetryAfter);
        Assert.False(throttle.AdmitAddress("ip:203.0.113.8").Refused);
    }

    [Fact]
    public void A_runtime_settings_change_applies_at_once_and_keeps_the_failures_counted()
    {
        var throttle = Throttle();
        for (var i = 0; i < 3; i++)
        {
            throttle.RecordFailure(Office, "ann@example.com");
        }

        Assert.False(throttle.Admit(Office, "ann@example.com").Refused);
        _control.Settings = _control.Settings with { LoginThrottle = _control.Settings.LoginThrottle with { PerAccountBurst = 3 } };
        Assert.True(throttle.Admit(Office, "ann@example.com").Refused);
    }

    [Fact]
    public void Off_mode_neither_counts_nor_refuses()
    {
        var throttle = new LoginThrottle(_control, GuardMode.Off, _clock);
        for (var i = 0; i < 100; i++)
        {
            throttle.RecordFailure(Office, "victim@example.com");
        }

        Assert.False(throttle.Admit(Office, "victim@example.com").Refused);
        Assert.False(throttle.AdmitAddress(Office).Refused);
    }

    [Fact]
    public void Keys_whose_budget_is_whole_again_are_swept()
    {
        var budget = new FailureBudget(_clock);
        var rate = FailureRate.PerMinute(5, 5);
        for (var i = 0; i < 100; i++)
        {
            budget.RecordFailure($"ip:10.0.0.{i}", rate);
        }

        budget.RecordFailure("recent", rate);
        budget.RecordFailure("recent", rate);
        _clock.RunUntil(_clock.Now + TimeSpan.FromSeconds(13));
        budget.Sweep();

        // The hundred single failures (whole again after 12 s) are gone; the double one is not yet.
        Assert.Equal(1, budget.TrackedKeys);
        Assert.False(budget.IsExhausted("recent", rate, out _));
    }
}
