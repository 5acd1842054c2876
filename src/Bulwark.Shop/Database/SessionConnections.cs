using Npgsql;

namespace Bulwark.Shop.Database;

/// <summary>
/// Connections for what needs a whole server session to itself: the migrations' advisory lock and the
/// notification listener's LISTEN. Behind PgBouncer in transaction mode neither works (the session moves
/// between server connections), so <c>ConnectionStrings:ShopSession</c> may point them straight at
/// PostgreSQL (or at a session-mode pool); without it they use the shop's own data source. Two
/// connections at most: one listener, one migration run.
/// </summary>
public sealed class SessionConnections(NpgsqlDataSource dataSource, bool owned) : IAsyncDisposable
{
    public const string ConnectionStringName = "ShopSession";

    public NpgsqlDataSource DataSource => dataSource;

    public static SessionConnections Create(IServiceProvider services)
    {
        var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return new SessionConnections(services.GetRequiredService<NpgsqlDataSource>(), owned: false);
        }

        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.MaxPoolSize = 2;
        if (string.IsNullOrEmpty(builder.ConnectionStringBuilder.ApplicationName))
        {
            builder.ConnectionStringBuilder.ApplicationName = "bulwark-session";
        }

        return new SessionConnections(builder.Build(), owned: true);
    }

    public ValueTask DisposeAsync() => owned ? dataSource.DisposeAsync() : ValueTask.CompletedTask;
}
