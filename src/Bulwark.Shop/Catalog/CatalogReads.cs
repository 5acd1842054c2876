using System.Diagnostics.Metrics;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Operations.Metrics;
using Npgsql;

namespace Bulwark.Shop.Catalog;

/// <summary>
/// Where a catalog read that missed the cache goes: a standby (through the read-only gate) while
/// <see cref="ReplicaLag"/> says the standbys are within the bound, else the primary (through the main gate).
/// A read the standby cannot take because it went away is run again on the primary within the same deadline,
/// so stopping a standby fails nothing. Only catalog browsing comes here: carts, checkout, orders, accounts,
/// admin and the catalog's own invalidation read their own writes and stay on the primary.
/// <c>bulwark.catalog.reads{source}</c> counts the database reads by where they ran.
/// </summary>
public sealed class CatalogReads
{
    public const string Instrument = "bulwark.catalog.reads";

    private static readonly KeyValuePair<string, object?> Standby = new("source", "standby");
    private static readonly KeyValuePair<string, object?> Primary = new("source", "primary");

    private readonly IDatabaseGate _primary;
    private readonly IDatabaseGate? _standby;
    private readonly ReplicaLag? _lag;
    private readonly Counter<long> _reads;

    public CatalogReads(IDatabaseGate primary, IServiceProvider services, IMeterFactory meters)
    {
        _primary = primary;
        _standby = services.GetKeyedService<IDatabaseGate>(Guard.DependencyInjection.ReadOnlyGate.Key);
        _lag = services.GetService<ReplicaLag>();
        _reads = meters.Create(ShopTelemetry.MeterName).CreateCounter<long>(Instrument, unit: "{read}",
            description: "Catalog reads that reached the database (cache misses), by where they ran: standby or primary.");
    }

    public async Task<T> RunAsync<T>(CancellationToken cancellationToken, Func<NpgsqlConnection, CancellationToken, Task<T>> work)
    {
        if (_standby is not null && _lag is { Usable: true })
        {
            try
            {
                var answer = await _standby.RunAsync(Priority.Sheddable, cancellationToken, work);
                _reads.Add(1, Standby);
                return answer;
            }
            catch (NpgsqlException failure) when (failure is not PostgresException && !cancellationToken.IsCancellationRequested)
            {
                // The standby went away between two checks (stopped, restarted): the primary answers this one.
                _lag.Failed();
            }
        }

        var result = await _primary.RunAsync(Priority.Sheddable, cancellationToken, work);
        _reads.Add(1, Primary);
        return result;
    }
}
