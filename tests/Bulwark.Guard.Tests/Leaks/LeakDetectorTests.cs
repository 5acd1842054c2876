using Bulwark.Guard.Leaks;
using Bulwark.Guard.Telemetry;
using Bulwark.Guard.Tests.Simulation;
using Bulwark.Guard.Tests.Support;

namespace Bulwark.Guard.Tests.Leaks;

public sealed class LeakDetectorTests
{
    private readonly VirtualClock _clock = new();
    private readonly GateCounters _counters = new();
    private readonly LogCollector _logs = new();

    [Fact]
    public void A_lease_held_past_the_threshold_is_reported_once_with_its_operation_and_time()
    {
        using var detector = new LeakDetector(_clock, TimeSpan.FromSeconds(5), _counters, _logs.For<LeakDetector>());
        var ticket = detector.Track("POST /api/checkout");

        _clock.RunUntil(TimeSpan.FromSeconds(4.9));
        Assert.Equal(0, _counters.Leaks);

        _clock.RunUntil(TimeSpan.FromSeconds(12));
        detector.Release(ticket);

        Assert.Equal(1, _counters.Leaks);
        var warning = Assert.Single(_logs.Warnings);
        Assert.Contains("POST /api/checkout", warning, StringComparison.Ordinal);
        Assert.Matches(@"for \d{4} ms", warning);
    }

    [Fact]
    public void Short_leases_are_never_reported()
    {
        using var detector = new LeakDetector(_clock, TimeSpan.FromSeconds(5), _counters, _logs.For<LeakDetector>());
        for (var i = 0; i < 100; i++)
        {
            var ticket = detector.Track("GET /api/products");
            _clock.RunUntil(_clock.Now + TimeSpan.FromMilliseconds(200));
            detector.Release(ticket);
        }

        Assert.Equal(0, _counters.Leaks);
        Assert.Empty(_logs.Warnings);
    }
}
