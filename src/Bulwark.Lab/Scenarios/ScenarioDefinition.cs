using Bulwark.Lab.Arrivals;
using Bulwark.Lab.Load;
using Bulwark.Lab.Orchestration;
using Bulwark.Lab.Reports;
using Bulwark.Lab.Shop;

namespace Bulwark.Lab.Scenarios;

/// <summary>Connections held open straight to PostgreSQL for the whole run (incident 3).</summary>
public sealed record IdleConnections(int Count, bool InTransaction);

/// <summary>
/// A deploy rolled out while the load runs (incident 4): at <paramref name="At"/> a new instance starts with the
/// deploy's configuration, takes the traffic once ready, and the old instance stops. The naive shop's deploy is
/// a Maximum Pool Size in its connection string; the guarded shop's, settings on its command line.
/// </summary>
public sealed record RollingRestart(TimeSpan At, string Description, int NaiveMaxPoolSize, IReadOnlyDictionary<string, string> GuardedSettings);

/// <summary>
/// A scenario as data: the traffic, what "good" means, what the lab does to the system before and
/// during the load, and how the naive configuration differs. <see cref="ScenarioRunner"/> plays it
/// against each mode in turn.
/// </summary>
public sealed record ScenarioDefinition
{
    public required string Name { get; init; }
    public required string Title { get; init; }
    public required string Trigger { get; init; }
    public required string Description { get; init; }
    public required IReadOnlyList<TrafficStream> Streams { get; init; }
    public ServiceLevel ServiceLevel { get; init; } = ServiceLevel.Default;
    public FixtureOptions Fixture { get; init; } = new();

    /// <summary>The throwaway PostgreSQL server's max_connections.</summary>
    public int ServerMaxConnections { get; init; } = 100;

    public IdleConnections? IdleConnections { get; init; }

    public RollingRestart? Deploy { get; init; }

    /// <summary>Faults the payment sandbox injects from before the load starts (a slow gateway).</summary>
    public GatewayFaults? Gateway { get; init; }

    public TimeSpan Duration => Streams.Max(s => s.Duration);

    /// <summary>When the incident's trigger comes, from the start of the load (the surge's first second); null: none.</summary>
    public TimeSpan? TriggerAt { get; init; }

    /// <summary>Whether the lab runs Prometheus and Alertmanager beside this scenario and reports the alerts that fired.</summary>
    public bool ReplaysAlerts { get; init; } = true;

    /// <summary>The trigger as one mode meets it (the same for both: a deploy comes when it is rolled out).</summary>
    public TimeSpan? TriggerFor(string mode) => Deploy?.At ?? TriggerAt;

    /// <summary>
    /// The same scenario stretched to <paramref name="duration"/> (phases keep their proportions,
    /// timed events move with them) and with every rate multiplied by <paramref name="rateScale"/>.
    /// </summary>
    public ScenarioDefinition Scaled(TimeSpan? duration, double rateScale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(rateScale, 0);
        var timeFactor = duration is { } d ? d / Duration : 1.0;
        var scaledStreams = Streams.Select(s => s.Scaled(timeFactor, rateScale)).ToList();
        return this with
        {
            Streams = scaledStreams,
            Deploy = Deploy is { } rollout ? rollout with { At = rollout.At * timeFactor } : null,
            TriggerAt = TriggerAt * timeFactor,
            Fixture = Fixture with
            {
                Buyers = UsersFor(scaledStreams, RequestClass.Checkout, Fixture.Buyers),
                Shoppers = UsersFor(scaledStreams, RequestClass.Cart, Fixture.Shoppers),
            },
        };
    }

    public IReadOnlyList<PhaseInfo> PhaseInfos() =>
        [.. Streams.SelectMany(stream =>
        {
            var at = 0.0;
            return stream.Phases.Select(p =>
            {
                var info = new PhaseInfo(stream.Name, p.Name, at, p.Duration.TotalSeconds, p.StartRps, p.EndRps);
                at += p.Duration.TotalSeconds;
                return info;
            }).ToList();
        })];

    /// <summary>Most virtual buyers (or shoppers) a scenario signs in: each costs the shop one password verification at setup.</summary>
    public const int MaxUsersPerKind = 2_000;

    /// <summary>
    /// Enough virtual users that a class's peak rate, each purchase taking up to 2.5 s, finds a free
    /// one; bounded because every user costs the shop a password verification at setup. A naive shop
    /// stalling for its 15 s pool wait needs more than that: the generator then reports the arrivals it
    /// could not send as dropped (load the naive shop never received, so its collapse is understated).
    /// </summary>
    internal static int UsersFor(IReadOnlyList<TrafficStream> streams, RequestClass requestClass, int floor)
    {
        var peak = streams.Sum(s => s.Phases.Max(p => Math.Max(p.StartRps, p.EndRps)) * Share(s.Mix, requestClass));
        return Math.Clamp((int)Math.Ceiling(peak * 2.5), Math.Min(floor, 20), MaxUsersPerKind);
    }

    static double Share(TrafficMix mix, RequestClass requestClass) =>
        mix.Weights.TryGetValue(requestClass, out var w) ? w / mix.Weights.Values.Sum() : 0;
}
