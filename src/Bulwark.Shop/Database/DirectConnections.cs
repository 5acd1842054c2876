using Npgsql;

namespace Bulwark.Shop.Database;

/// <summary>
/// Connections for what needs a whole server session to itself: the migrations' advisory lock and the
/// notification listener's LISTEN. Behind PgBouncer in transaction mode neither works (the session moves
/// between server connections), so <c>ConnectionStrings:ShopDirect</c> may point them straight at
/// PostgreSQL (or at a session-mode pool); without it they go to the shop's database. Either way from a
/// pool of their own, two connections at most (one listener, one migration run): taken from the shop's
/// pool, the listener would hold one of the connections the gate counts on — with a pool of 1 (incident
/// 4's bad deploy) all of them, and the instance never got ready.
/// </summary>
public sealed class DirectConnections(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public const string ConnectionStringName = "ShopDirect";

    /// <summary>The name this setting had before issue 12 named it; still read so existing deployments keep working.</summary>
    public const string DeprecatedConnectionStringName = "ShopSession";

    public NpgsqlDataSource DataSource => dataSource;

    public static DirectConnections Create(IServiceProvider services)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var connectionString = configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } direct
            ? direct
            : configuration.GetConnectionString(DeprecatedConnectionStringName) is { Length: > 0 } session
                ? session
                : configuration.GetConnectionString("Shop")!;
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.Pooling = true;
        builder.ConnectionStringBuilder.MinPoolSize = 0;
        builder.ConnectionStringBuilder.MaxPoolSize = 2;
        if (string.IsNullOrEmpty(builder.ConnectionStringBuilder.ApplicationName))
        {
            builder.ConnectionStringBuilder.ApplicationName = "bulwark-session";
        }

        return new DirectConnections(builder.Build());
    }

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
