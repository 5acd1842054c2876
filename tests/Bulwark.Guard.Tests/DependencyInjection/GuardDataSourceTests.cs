using Bulwark.Guard.DependencyInjection;
using Bulwark.Guard.Gate;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bulwark.Guard.Tests.DependencyInjection;

public sealed class GuardDataSourceTests
{
    private const string ConnectionString = "Host=127.0.0.1;Port=1;Username=shop;Password=secret";

    [Fact]
    public void On_mode_sizes_the_pool_to_the_ceiling_and_sets_npgsqls_pruning_lifetime_and_timeout_knobs()
    {
        var builder = GuardDataSource.CreateBuilder(ConnectionString, new GuardOptions(), ceiling: 14);
        var settings = builder.ConnectionStringBuilder;

        Assert.Equal(14, settings.MaxPoolSize);
        Assert.Equal(2, settings.MinPoolSize);
        Assert.Equal(60, settings.ConnectionIdleLifetime);
        Assert.Equal(1800, settings.ConnectionLifetime);
        Assert.Equal(5, settings.Timeout);
        Assert.Equal("bulwark", settings.ApplicationName);
        Assert.Equal("-c statement_timeout=30000", settings.Options);
        // Issue 12: PgBouncer 1.18 in transaction mode has no prepared statements across server connections.
        Assert.Equal(0, settings.MaxAutoPrepare);
        Assert.Equal("bulwark-npgsql", builder.Name);
    }

    [Fact]
    public void Off_mode_keeps_npgsqls_defaults_like_the_incident_platforms()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Guard:Mode"] = "Off" }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddBulwarkGuard(configuration.GetSection("Guard"), ConnectionString);
        using var provider = services.BuildServiceProvider();

        var settings = new NpgsqlConnectionStringBuilder(provider.GetRequiredService<NpgsqlDataSource>().ConnectionString);

        Assert.Equal(100, settings.MaxPoolSize);
        Assert.Equal(15, settings.Timeout);
        Assert.Equal(30, settings.CommandTimeout);
        Assert.IsType<PassThroughGate>(provider.GetRequiredService<IDatabaseGate>());
        Assert.Same(provider.GetRequiredService<IDatabaseGate>(), provider.GetRequiredService<IGateControl>());
    }

    [Fact]
    public void On_mode_without_a_reachable_server_falls_back_to_the_configured_pool_size()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Guard:FallbackCeiling"] = "12" }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddBulwarkGuard(configuration.GetSection("Guard"), ConnectionString);
        using var provider = services.BuildServiceProvider();

        var gate = Assert.IsType<DatabaseGate>(provider.GetRequiredService<IDatabaseGate>());

        Assert.Equal(12, new NpgsqlConnectionStringBuilder(provider.GetRequiredService<NpgsqlDataSource>().ConnectionString).MaxPoolSize);
        Assert.Equal(12, gate.ServerCeiling);
    }
}
