using System.Globalization;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Telemetry;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bulwark.Guard.DependencyInjection;

/// <summary>Builds the Npgsql data source the guard's mode calls for.</summary>
public static class GuardDataSource
{
    /// <summary>The Npgsql name of the pool, distinct from the gate's so their metrics never merge.</summary>
    public static string NpgsqlPoolName(GuardOptions options) => options.PoolName + "-npgsql";

    /// <summary>
    /// On: Max Pool Size = <paramref name="ceiling"/> (the gate decides how much of it is used, so Npgsql
    /// never makes anyone wait), a few connections kept warm, idle ones pruned, every connection retired
    /// after its lifetime, a short connect timeout, and a server-side statement_timeout backstop.
    /// Off: the connection string as given, Npgsql's defaults otherwise (pool 100, 15 s wait, 30 s commands).
    /// Both: application_name (to find the connections in pg_stat_activity) and create-time measurement.
    /// </summary>
    public static NpgsqlDataSourceBuilder CreateBuilder(string connectionString, GuardOptions options, int ceiling,
        ILoggerFactory? loggerFactory = null)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString) { Name = NpgsqlPoolName(options) };
        var settings = builder.ConnectionStringBuilder;
        if (string.IsNullOrEmpty(settings.ApplicationName))
        {
            settings.ApplicationName = options.PoolName;
        }

        if (options.Mode == GuardMode.On)
        {
            settings.Pooling = true;
            settings.MaxPoolSize = ceiling;
            settings.MinPoolSize = Math.Min(options.MinPoolSize, ceiling);
            settings.ConnectionIdleLifetime = Seconds(options.ConnectionIdleLifetime);
            settings.ConnectionLifetime = Seconds(options.ConnectionLifetime);
            settings.Timeout = Math.Max(1, Seconds(options.ConnectTimeout));
            // A statement cancelled at its deadline waits this long for the server to confirm the cancel, then
            // the connection is broken. Npgsql's 2 s default would let a hung server hold a request 2 s past
            // its deadline; a healthy server confirms within milliseconds.
            settings.CancellationTimeout = (int)CancelConfirmation.TotalMilliseconds;
            if (options.StatementTimeoutBackstop > TimeSpan.Zero)
            {
                var backstop = ((long)options.StatementTimeoutBackstop.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
                settings.Options = $"{settings.Options} -c statement_timeout={backstop}".Trim();
            }
        }

        builder.UsePhysicalConnectionInitializer(PhysicalConnections.Created, PhysicalConnections.CreatedAsync);
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        return builder;
    }

    private static readonly TimeSpan CancelConfirmation = TimeSpan.FromMilliseconds(250);

    private static int Seconds(TimeSpan duration) => (int)Math.Ceiling(duration.TotalSeconds);
}
