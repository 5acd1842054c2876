using Bulwark.Lab.Orchestration;
using Bulwark.Lab.Scenarios;
using Bulwark.Lab.Shop;
using Bulwark.LocalPostgres;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Bench;

/// <summary>One shop (own or --target) prepared for a series of bench steps: started once, its users registered once.</summary>
sealed class BenchTarget : IAsyncDisposable
{
    readonly List<IAsyncDisposable> _owned = [];
    BenchTarget(Uri address, ShopActions actions)
    {
        Address = address;
        Actions = actions;
    }

    public Uri Address { get; }
    public ShopActions Actions { get; }

    public static async Task<BenchTarget> StartAsync(RepoLayout? repo, LabRunOptions options, string mode, string directory, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        var owned = new List<IAsyncDisposable>();
        try
        {
            var address = options.Target;
            if (address is null)
            {
                var layout = repo ?? throw new InvalidOperationException("Starting the shop needs the repository; pass --target to use a running shop.");
                var cluster = await LocalPostgresCluster.StartEphemeralAsync(logger, ct);
                owned.Add(cluster);
                var shop = await ShopHost.StartAsync(layout, new ShopLaunch(mode, cluster.ConnectionString, mode == ScenarioRunner.Guarded,
                    "lab-admin@bulwark.test", "Lab!" + Guid.NewGuid().ToString("N")[..16], null,
                    new Dictionary<string, string> { ["Logging:LogLevel:Default"] = "Warning" }), directory, logger, ct);
                owned.Add(shop);
                address = shop.BaseAddress;
            }

            var clients = ShopClients.Create(address, options.Limits.MaxInFlight + 64, options.Limits.RequestTimeout);
            owned.Add(new DisposeClients(clients));
            // Enough buyers for 10× a few hundred checkouts a second at SLO latency; more would cost minutes of password hashing.
            var fixture = await ShopFixture.PrepareAsync(clients, new FixtureOptions { Buyers = 600, Shoppers = 10 }, time, logger, ct);
            var target = new BenchTarget(address, new ShopActions(clients, fixture, new PurchaseLedger(), time));
            target._owned.AddRange(owned);
            return target;
        }
        catch
        {
            for (var i = owned.Count - 1; i >= 0; i--) await owned[i].DisposeAsync();
            throw;
        }
    }

    /// <summary>Lets the clients be disposed with everything else started, in reverse order.</summary>
    sealed class DisposeClients(ShopClients clients) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            clients.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--) await _owned[i].DisposeAsync();
    }
}
