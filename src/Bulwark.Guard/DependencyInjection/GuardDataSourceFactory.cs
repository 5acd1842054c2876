using Bulwark.Guard.Gate;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bulwark.Guard.DependencyInjection;

/// <summary>
/// Owns the application's <see cref="NpgsqlDataSource"/>. In On mode its Max Pool Size must be the
/// server-derived ceiling, which needs the server, so the pool is built only after
/// <see cref="DiscoverAsync"/> has asked it (the hosted start-up does, before any other hosted service
/// starts). If something needs the pool before that, or the server does not answer in time, the pool
/// is built with <c>Guard:Ceiling</c> or <c>Guard:FallbackCeiling</c>, and the gate keeps asking.
/// </summary>
public sealed partial class GuardDataSourceFactory(string connectionString, IOptions<GuardOptions> options,
    ILoggerFactory loggerFactory, TimeProvider clock) : IAsyncDisposable, IDisposable
{
    private readonly Lock _build = new();
    private readonly ILogger _logger = loggerFactory.CreateLogger<GuardDataSourceFactory>();
    private NpgsqlDataSource? _dataSource;

    /// <summary>What the server said, once it answered.</summary>
    public ServerConnectionBudget? Budget { get; private set; }

    /// <summary>The server-derived pool size for this instance, once known (with a shared budget: all of it).</summary>
    public int? DiscoveredCeiling => Budget is null ? null : options.Value.PoolSizeFor(Budget);

    /// <summary>The connections all instances share, once known.</summary>
    public int? SharedBudget => Budget is null ? null : options.Value.SharedBudget(Budget);

    /// <summary>The pool size the data source was (or will be) built with.</summary>
    public int PoolSize { get; private set; }

    /// <summary>
    /// Asks the server for its connection budget, retrying until <c>Guard:StartupProbeTimeout</c>
    /// (a database that is still starting should not leave the service with a fallback pool).
    /// </summary>
    public async Task<bool> DiscoverAsync(CancellationToken cancellationToken)
    {
        if (Budget is not null || options.Value.Mode == GuardMode.Off)
        {
            return true;
        }

        var giveUpAt = clock.GetUtcNow() + options.Value.StartupProbeTimeout;
        while (true)
        {
            try
            {
                Budget = await CeilingDiscovery.ReadAsync(connectionString, cancellationToken);
                CeilingDiscovered(_logger, Budget.MaxConnections, Budget.SuperuserReserved + Budget.Reserved,
                    options.Value.ReservedConnections, SharedBudget!.Value,
                    options.Value.FixedInstances is { } instances ? $"{instances} instance(s) set by Guard:Instances" : "the live instances",
                    DiscoveredCeiling!.Value);
                return true;
            }
            catch (Exception failure) when (failure is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                if (clock.GetUtcNow() >= giveUpAt)
                {
                    ServerUnreachable(_logger, FallbackSize, failure.Message);
                    return false;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), clock, cancellationToken);
            }
        }
    }

    public NpgsqlDataSource DataSource
    {
        get
        {
            if (_dataSource is { } built)
            {
                return built;
            }

            lock (_build)
            {
                if (_dataSource is null)
                {
                    var guard = options.Value;
                    PoolSize = guard.Mode == GuardMode.Off ? 0 : DiscoveredCeiling ?? FallbackSize;
                    if (guard.Mode == GuardMode.On && DiscoveredCeiling is null)
                    {
                        BuiltBeforeDiscovery(_logger, PoolSize);
                    }

                    _dataSource = GuardDataSource.CreateBuilder(connectionString, guard, PoolSize, loggerFactory).Build();
                    if (guard.Mode == GuardMode.Off)
                    {
                        PoolSize = new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString).MaxPoolSize;
                    }
                }

                return _dataSource;
            }
        }
    }

    private int FallbackSize => options.Value.Ceiling ?? options.Value.FallbackCeiling;

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    public void Dispose() => _dataSource?.Dispose();

    [LoggerMessage(EventId = 4130, Level = LogLevel.Information,
        Message = "Connection budget: max_connections {MaxConnections} - server reserved {ServerReserved} - our reserve {Reserve} (or Guard:ConnectionBudget) = {Budget}, shared by {SharedBy}; pool of {PoolSize}.")]
    private static partial void CeilingDiscovered(ILogger logger, int maxConnections, int serverReserved, int reserve, int budget, string sharedBy, int poolSize);

    [LoggerMessage(EventId = 4131, Level = LogLevel.Warning,
        Message = "Could not read the server's connection budget at start; using a pool of {Fallback} and asking again later. {Failure}")]
    private static partial void ServerUnreachable(ILogger logger, int fallback, string failure);

    [LoggerMessage(EventId = 4132, Level = LogLevel.Warning,
        Message = "The data source was needed before the server's connection budget was known; built with a pool of {PoolSize}.")]
    private static partial void BuiltBeforeDiscovery(ILogger logger, int poolSize);
}
