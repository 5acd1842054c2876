using Bulwark.Lab.Arrivals;
using Bulwark.Lab.Load;
using Bulwark.Lab.Orchestration;

namespace Bulwark.Lab.Scenarios;

/// <summary>
/// The five incidents of <c>incidents.md</c>, each as the trigger its report describes. Rates are
/// for the 2-core reference machine, set from its measured capacities (docs/benchmarks.md): each
/// surge goes above what the naive shop can serve there; <c>--rate-scale</c> moves them all for a
/// bigger or smaller machine.
/// </summary>
public static class IncidentCatalog
{
    static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    static TrafficMix Mix(double browse, double product, double signIn, double cart, double checkout) => new(new Dictionary<RequestClass, double>
    {
        [RequestClass.Browse] = browse,
        [RequestClass.Product] = product,
        [RequestClass.SignIn] = signIn,
        [RequestClass.Cart] = cart,
        [RequestClass.Checkout] = checkout,
    });

    public static IReadOnlyList<ScenarioDefinition> All { get; } =
    [
        new()
        {
            Name = "incident-1",
            TriggerAt = S(10),
            Title = "Incident 1: checkout surge",
            Trigger = "sudden surge on checkout",
            Description = "Checkout slowed for 2 h: product validation and payment waited on connections. " +
                          "Steady storefront traffic while checkout jumps from 5/s to 700/s for 30 s (above this machine's checkout capacity at SLO), then falls back.",
            Streams =
            [
                new TrafficStream("storefront", Mix(50, 35, 5, 10, 0), [ArrivalPhase.Constant("steady", S(60), 40)]),
                new TrafficStream("checkout", TrafficMix.Only(RequestClass.Checkout),
                [
                    ArrivalPhase.Constant("before", S(10), 5),
                    ArrivalPhase.Ramp("surge begins", S(2), 5, 700),
                    ArrivalPhase.Spike("surge", S(30), 700),
                    ArrivalPhase.Constant("after", S(18), 5),
                ]),
            ],
        },
        new()
        {
            Name = "incident-2",
            TriggerAt = S(10),
            Title = "Incident 2: marketing campaign",
            Trigger = "surge on browse + cart + checkout",
            Description = "A campaign brought slow pages, cart errors and payment failures (and a lost hour on a DDoS theory). " +
                          "The whole storefront ramps from 50/s to 4,000/s, holds 30 s, and ramps back.",
            Streams =
            [
                new TrafficStream("campaign", Mix(55, 25, 0, 12, 8),
                [
                    ArrivalPhase.Constant("before", S(10), 50),
                    ArrivalPhase.Ramp("campaign lands", S(5), 50, 4000),
                    ArrivalPhase.Spike("campaign", S(30), 4000),
                    ArrivalPhase.Ramp("campaign fades", S(5), 4000, 50),
                    ArrivalPhase.Constant("after", S(10), 50),
                ]),
            ],
        },
        new()
        {
            Name = "incident-3",
            TriggerAt = S(10),
            Title = "Incident 3: spike while idle connections hog the pool",
            Trigger = "spike while idle/stale connections hog the pool",
            Description = "85% of users down for 45 min: 503s on listings and login while idle connections held the pool. " +
                          "80 of the server's 100 connections sit idle in transaction; listings and sign-ins spike from 40/s to 800/s.",
            IdleConnections = new IdleConnections(80, InTransaction: true),
            Streams =
            [
                new TrafficStream("users", Mix(60, 25, 5, 5, 5),
                [
                    ArrivalPhase.Constant("before", S(10), 40),
                    ArrivalPhase.Spike("spike", S(30), 800),
                    ArrivalPhase.Constant("after", S(20), 40),
                ]),
            ],
        },
        new()
        {
            Name = "incident-4",
            Title = "Incident 4: a deploy sets the pool too small",
            Trigger = "normal traffic after a bad configuration change",
            Description = "Checkout down for 3 h after a deploy set the pool size too low, rolled back by hand. " +
                          "Ordinary traffic at 100/s (below the storefront mix's capacity on the one core the shop and PostgreSQL get); after 15 s a rolling restart replaces the shop with an instance " +
                          "deployed with a pool of 1: Maximum Pool Size=1 for the naive shop, Guard:Ceiling=1 for the guarded one.",
            Deploy = new RollingRestart(S(15), "a pool of 1", NaiveMaxPoolSize: 1, new Dictionary<string, string>
            {
                ["Guard:Ceiling"] = "1",
                ["Guard:Floor"] = "1",
                ["Guard:InitialLimit"] = "1",
            }),
            Streams =
            [
                new TrafficStream("storefront", TrafficMix.Storefront,
                [
                    // Ordinary traffic, as in the report: the bench measured the mix's capacity at 117–217/s on one core.
                    ArrivalPhase.Constant("before the deploy", S(15), 100),
                    ArrivalPhase.Constant("after the deploy", S(45), 100),
                ]),
            ],
        },
        new()
        {
            Name = "incident-5",
            TriggerAt = S(5),
            Title = "Incident 5: flash sale with a slow payment gateway",
            Trigger = "flash sale on a few hot products, slow payment gateway",
            Description = "A flash sale ended in 504s at checkout; the payment gateway was wrongly blamed and suspended. " +
                          "Five hot products, checkout on them ramps to 150/s for 40 s while every charge takes 1.5 s at the gateway.",
            Gateway = new GatewayFaults(LatencyMs: 1500),
            ServiceLevel = new ServiceLevel(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5),
                new Dictionary<RequestClass, TimeSpan> { [RequestClass.Checkout] = TimeSpan.FromMilliseconds(2500) }),
            Streams =
            [
                new TrafficStream("storefront", Mix(60, 40, 0, 0, 0), [ArrivalPhase.Constant("steady", S(60), 40)]),
                new TrafficStream("flash sale", TrafficMix.Only(RequestClass.Checkout),
                [
                    ArrivalPhase.Idle("before the sale", S(5)),
                    ArrivalPhase.Ramp("sale opens", S(5), 0, 150),
                    ArrivalPhase.Spike("sale", S(40), 150),
                    ArrivalPhase.Constant("after the sale", S(10), 20),
                ], ProductChoice.Hot),
            ],
        },
    ];

    public static ScenarioDefinition ByNumber(int number) =>
        number is >= 1 and <= 5 ? All[number - 1] : throw new ArgumentOutOfRangeException(nameof(number), number, "Incidents are numbered 1 to 5.");

    /// <summary>A few seconds of light, mixed traffic: proves the whole path works, for CI.</summary>
    public static ScenarioDefinition Smoke { get; } = new()
    {
        Name = "smoke",
        ReplaysAlerts = false,
        Title = "Smoke: a few seconds of ordinary traffic",
        Trigger = "none (health check of the lab and the shop)",
        Description = "Light storefront traffic with purchases; every request must succeed.",
        Fixture = new Bulwark.Lab.Shop.FixtureOptions { Buyers = 10, Shoppers = 5 },
        ServiceLevel = new ServiceLevel(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5)),
        Streams = [new TrafficStream("storefront", TrafficMix.Storefront, [ArrivalPhase.Constant("steady", S(8), 20)])],
    };
}
