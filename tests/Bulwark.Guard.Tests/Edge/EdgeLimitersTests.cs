using Bulwark.Guard.Budget;
using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Tests.Simulation;

namespace Bulwark.Guard.Tests.Edge;

public sealed class EdgeLimitersTests
{
    [Fact]
    public void Each_of_n_instances_allows_a_client_an_nth_of_the_burst_and_follows_the_live_count()
    {
        var instances = 2;
        var control = new SettingsOnlyControl(new GateSettings { RateLimit = new ClientRateLimitSettings { PermitsPerSecond = 1, Burst = 6 } });
        using var limiters = new EdgeLimiters(control, new LiveInstances(() => instances));

        Assert.Equal(3, Admitted(limiters, "client-a"));

        // The other instance has gone: the one left allows the whole burst.
        instances = 1;
        Assert.Equal(6, Admitted(limiters, "client-b"));
    }

    private static int Admitted(EdgeLimiters limiters, string client)
    {
        var admitted = 0;
        while (admitted < 100 && limiters.TryAdmitClient(client, out _))
        {
            admitted++;
        }

        return admitted;
    }
}
