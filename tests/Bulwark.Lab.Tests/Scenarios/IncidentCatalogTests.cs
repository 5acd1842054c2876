using Bulwark.Lab.Load;
using Bulwark.Lab.Scenarios;

namespace Bulwark.Lab.Tests.Scenarios;

public class IncidentCatalogTests
{
    [Fact]
    public void There_are_five_incidents_named_for_their_folders()
    {
        Assert.Equal(["incident-1", "incident-2", "incident-3", "incident-4", "incident-5"], IncidentCatalog.All.Select(s => s.Name));
        Assert.Equal("incident-4", IncidentCatalog.ByNumber(4).Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => IncidentCatalog.ByNumber(6));
    }

    [Fact]
    public void Each_incident_replays_the_trigger_its_report_describes()
    {
        // 1: checkout surges while the rest stays flat.
        var checkout = IncidentCatalog.ByNumber(1).Streams.Single(s => s.Mix.Weights.GetValueOrDefault(RequestClass.Checkout) > 0);
        Assert.True(checkout.Phases.Max(p => p.EndRps) >= 10 * checkout.Phases[0].StartRps);
        // 2: one stream carries browse, cart and checkout together.
        var campaign = Assert.Single(IncidentCatalog.ByNumber(2).Streams);
        Assert.All(new[] { RequestClass.Browse, RequestClass.Cart, RequestClass.Checkout }, c => Assert.True(campaign.Mix.Weights[c] > 0));
        // 3: idle connections in transaction take most of the server.
        var three = IncidentCatalog.ByNumber(3);
        Assert.True(three.IdleConnections is { InTransaction: true } idle && idle.Count >= three.ServerMaxConnections / 2);
        // 4: a rolling restart mid-run onto a tiny pool, for both shops.
        var four = IncidentCatalog.ByNumber(4);
        Assert.True(four.Deploy is { NaiveMaxPoolSize: <= 2 } deploy && int.Parse(deploy.GuardedSettings["Guard:Ceiling"]) <= 2
            && deploy.At > TimeSpan.Zero && deploy.At < four.Duration);
        Assert.Equal(four.Deploy!.At, four.TriggerFor("naive"));
        Assert.Equal(four.Deploy.At, four.TriggerFor("guarded"));
        Assert.True(four.Streams.All(s => s.Phases.All(p => p.StartRps == p.EndRps)), "incident 4 is normal, steady traffic");
        // 5: a slow gateway and checkout aimed at the hot products.
        var five = IncidentCatalog.ByNumber(5);
        Assert.True(five.Gateway is { LatencyMs: >= 1000 });
        Assert.Contains(five.Streams, s => s.Products == ProductChoice.Hot && s.Mix.Weights.GetValueOrDefault(RequestClass.Checkout) > 0);
    }

    [Fact]
    public void Scaling_stretches_phases_and_timed_events_together_and_multiplies_rates()
    {
        var four = IncidentCatalog.ByNumber(4);

        var half = four.Scaled(four.Duration / 2, rateScale: 2);

        Assert.Equal(four.Duration / 2, half.Duration);
        Assert.Equal(four.Deploy!.At / 2, half.Deploy!.At);
        Assert.Equal(four.Streams[0].Phases[0].StartRps * 2, half.Streams[0].Phases[0].StartRps);
    }

    [Fact]
    public void Scaling_registers_enough_buyers_for_the_peak_but_never_an_unbounded_number()
    {
        var one = IncidentCatalog.ByNumber(1);

        var normal = one.Scaled(null, 1);
        var huge = one.Scaled(null, 50);

        var peak = normal.Streams.Sum(s => s.Phases.Max(p => p.EndRps) * (s.Mix.Weights.GetValueOrDefault(RequestClass.Checkout) / s.Mix.Weights.Values.Sum()));
        Assert.InRange(normal.Fixture.Buyers, peak * 2, ScenarioDefinition.MaxUsersPerKind);    // the checkout peak, 2.5 s each
        Assert.Equal(ScenarioDefinition.MaxUsersPerKind, huge.Fixture.Buyers);
    }

    [Fact]
    public void Phase_infos_place_each_stream_phase_on_the_run_clock()
    {
        var phases = IncidentCatalog.ByNumber(1).PhaseInfos().Where(p => p.Stream == "checkout").ToList();

        Assert.Equal([0.0, 10.0, 12.0, 42.0], phases.Select(p => p.StartSeconds));
        Assert.Equal(60.0, phases[^1].StartSeconds + phases[^1].DurationSeconds);
    }
}
