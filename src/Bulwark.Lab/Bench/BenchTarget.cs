using Bulwark.Lab.Cluster;
using Bulwark.Lab.Measurement;
using Bulwark.Lab.Orchestration;
using Bulwark.Lab.Scenarios;
using Bulwark.Lab.Shop;
using Bulwark.LocalPostgres;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bulwark.Lab.Bench;

/// <summary>What a bench needs from its shop beyond the defaults.</summary>
public sealed record BenchTargetOptions
{
    public int Buyers { get; init; } = 600;
    public int Shoppers { get; init; } = 10;

    /// <summary>Accounts for pgbench's clients (one each, so their carts never collide).</summary>
    public int PgbenchUsers { get; init; } = 96;

    /// <summary>
    /// The throwaway server's max_connections: room for the naive shop's pool of 100 (which stays open
    /// while idle) beside pgbench's clients in the same session.
    /// </summary>
    public int ServerMaxConnections { get; init; } = 200;

    /// <summary>Extra shop settings (<c>--Key=Value</c>), e.g. switching off the per-client limit for a single-address load tool.</summary>
    public IReadOnlyDictionary<string, string> ShopSettings { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// One shop (own or --target) prepared for a series of bench steps: started once per mode, its users
/// signed in once and reused by every step and repeat (tokens last an hour). When the lab owns the
/// database it also restocks the catalog, so that hours of purchases never turn into cheap
/// "sold out" answers, and gives pgbench its own accounts.
/// </summary>
public sealed class BenchTarget : IAsyncDisposable
{
    /// <summary>Units every product gets before a bench: more than a bench can sell.</summary>
    public const int RestockUnits = 100_000;

    readonly List<IAsyncDisposable> _owned = [];

    BenchTarget(Uri address, ShopClients clients, ShopFixture fixture, string? connectionString, long? pgbenchUserBase, SutProcesses processes, TimeProvider time,
        (string Email, string Password)? admin, ClusterUnderTest? cluster)
    {
        Cluster = cluster;
        Admin = admin;
        Processes = processes;
        Address = address;
        Clients = clients;
        Fixture = fixture;
        ConnectionString = connectionString;
        PgbenchUserBase = pgbenchUserBase;
        Actions = new ShopActions(clients, fixture, new PurchaseLedger(), time);
        AggressiveActions = new ShopActions(clients, fixture, new PurchaseLedger(), time, immediateRetries: AggressiveRetries);
    }

    /// <summary>How often an aggressive client sends a refused request again at once.</summary>
    public const int AggressiveRetries = 5;

    public Uri Address { get; }
    public ShopClients Clients { get; }
    public ShopFixture Fixture { get; }
    public ShopActions Actions { get; }

    /// <summary>The same users as clients that retry a refusal at once, ignoring Retry-After (the aggressive overload step).</summary>
    public ShopActions AggressiveActions { get; }

    /// <summary>The shop's PostgreSQL when the lab owns it; null against --target.</summary>
    public string? ConnectionString { get; }

    /// <summary>The shop's and PostgreSQL's processes, whose CPU each run is charged with; none against --target.</summary>
    public SutProcesses Processes { get; }

    /// <summary>The shop's admin account: the one the lab started it with, or --admin-email/--admin-password against --target; null when unknown.</summary>
    public (string Email, string Password)? Admin { get; }

    /// <summary>The cluster behind nginx when the bench runs on it (<c>--cluster</c>); null for one shop.</summary>
    public ClusterUnderTest? Cluster { get; }

    /// <summary>The id of pgbench's first account (client n uses base + n); null without a database.</summary>
    public long? PgbenchUserBase { get; }

    public static async Task<BenchTarget> StartAsync(RepoLayout? repo, LabRunOptions options, string mode, string directory, BenchTargetOptions bench,
        TimeProvider time, ILogger logger, CancellationToken ct)
    {
        var owned = new List<IAsyncDisposable>();
        try
        {
            var address = options.Target;
            string? connectionString = null;
            var processes = SutProcesses.None;
            (string Email, string Password)? admin = options.AdminEmail is { } email && options.AdminPassword is { } password ? (email, password) : null;
            ClusterUnderTest? topology = null;
            if (options.ClusterInstances is { } instances)
            {
                // The topology of the incidents' --cluster runs, without their faults: nginx is the address every step loads.
                var layout = repo ?? throw new InvalidOperationException("Starting the cluster needs the repository.");
                admin = ("lab-admin@bulwark.test", "Lab!" + Guid.NewGuid().ToString("N")[..16]);
                topology = await ClusterUnderTest.UpAsync(layout, directory, mode, naive: mode == ScenarioRunner.Naive, instances, admin.Value.Email, admin.Value.Password,
                    options.Isolation, time, logger, ct);
                owned.Add(topology);
                address = topology.Nginx;
                connectionString = topology.Primary;
                processes = topology.Processes;
                await RestockAsync(connectionString, ct);
            }
            else if (address is null)
            {
                var layout = repo ?? throw new InvalidOperationException("Starting the shop needs the repository; pass --target to use a running shop.");
                var cluster = await LocalPostgresCluster.StartEphemeralAsync(logger, ct, bench.ServerMaxConnections);
                owned.Add(cluster);
                connectionString = cluster.ConnectionString;
                var postmaster = await SutPlacement.PlacePostgresAsync(cluster, options.Isolation, ct);
                var settings = new Dictionary<string, string>(bench.ShopSettings) { ["Logging:LogLevel:Default"] = "Warning" };
                admin = ("lab-admin@bulwark.test", "Lab!" + Guid.NewGuid().ToString("N")[..16]);
                var shop = await ShopHost.StartAsync(layout, new ShopLaunch(mode, cluster.ConnectionString, mode == ScenarioRunner.Guarded,
                    admin.Value.Email, admin.Value.Password, null, settings) { Cpus = options.Isolation?.Sut }, directory, logger, ct);
                owned.Add(shop);
                processes = new SutProcesses(shop.ProcessId, postmaster, null);
                address = shop.BaseAddress;
                await RestockAsync(connectionString, ct);
            }

            var clients = ShopClients.Create(address, options.Limits.MaxInFlight + 64, options.Limits.RequestTimeout,
                LabHttp.AddressesFor(bench.Buyers + bench.Shoppers));
            owned.Add(new DisposeClients(clients));
            var fixture = await ShopFixture.PrepareAsync(clients,
                new FixtureOptions { Buyers = bench.Buyers, Shoppers = bench.Shoppers, DatabaseConnectionString = connectionString }, time, logger, ct);

            long? pgbenchBase = null;
            if (connectionString is not null && bench.PgbenchUsers > 0)
                pgbenchBase = await CreatePgbenchUsersAsync(clients.Any, connectionString, bench.PgbenchUsers, time, logger, ct);

            var target = new BenchTarget(address, clients, fixture, connectionString, pgbenchBase, processes, time, admin, topology);
            target._owned.AddRange(owned);
            return target;
        }
        catch
        {
            for (var i = owned.Count - 1; i >= 0; i--) await owned[i].DisposeAsync();
            throw;
        }
    }

    /// <summary>Empties every cart (in the database and in the virtual users' memory) so a step starts from the same state.</summary>
    public async Task ClearCartsAsync(CancellationToken ct)
    {
        foreach (var user in Fixture.Users.All)
        {
            user.Cart.Clear();
            user.CartUncertain = false;
        }
        if (ConnectionString is null) return;
        await ExecuteAsync(ConnectionString, "DELETE FROM cart_items", ct);
    }

    /// <summary>
    /// Vacuums and checkpoints the lab's own database so that a repeat does not pay for the last one's writes (dead
    /// rows, a checkpoint coming due): pgbench's checkout rate fell to a third in the repeat after a heavy one.
    /// </summary>
    public async Task SettleDatabaseAsync(CancellationToken ct)
    {
        if (ConnectionString is null) return;
        await ExecuteAsync(ConnectionString, "VACUUM ANALYZE", ct);
        await ExecuteAsync(ConnectionString, "CHECKPOINT", ct);
    }

    /// <summary>Sets one product's stock (the hot SKU's 500 units, pgbench's endless hot row).</summary>
    public Task SetStockAsync(long productId, int stock, CancellationToken ct) =>
        ExecuteAsync(ConnectionString ?? throw new InvalidOperationException("Setting stock needs the lab's own database."),
            $"UPDATE products SET stock = {stock} WHERE id = {productId}", ct);

    static async Task RestockAsync(string connectionString, CancellationToken ct)
    {
        await ExecuteAsync(connectionString, $"UPDATE products SET stock = {RestockUnits}", ct);
        await ExecuteAsync(connectionString, "VACUUM ANALYZE products", ct);
    }

    static async Task<long> CreatePgbenchUsersAsync(ShopApi api, string connectionString, int count, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        var prefix = $"pgbench-{Guid.NewGuid().ToString("N")[..8]}";
        var emails = Enumerable.Range(0, count).Select(i => $"{prefix}-client-{i}@bulwark.test").ToList();
        var ids = await DirectUsers.CreateAsync(api, connectionString, ($"{prefix}-template@bulwark.test", DirectUsers.NewSharedPassword()), emails, time, logger, ct);
        var first = ids[emails[0]];
        // pgbench's scripts address client n's account as base + n: the ids must be consecutive.
        for (var i = 0; i < emails.Count; i++)
            if (ids[emails[i]] != first + i)
                throw new LabSetupException($"pgbench's accounts did not get consecutive ids ({emails[i]} is {ids[emails[i]]}, expected {first + i}).");
        return first;
    }

    static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "bulwark-lab-setup" }.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync(ct);
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
