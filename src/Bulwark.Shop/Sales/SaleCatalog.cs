using Bulwark.Guard.Gate;
using Bulwark.Shop.Catalog;
using Dapper;
using Npgsql;

namespace Bulwark.Shop.Sales;

/// <summary>
/// Reads of sales: a sale with its window, state and units left; the admin listing; and the sales not over yet,
/// which the waiting room follows through <see cref="SaleQueueSource"/>. The state here is judged by the injected
/// <see cref="TimeProvider"/>, for display and admission; what a checkout may buy is judged inside its own
/// transaction by the database's clock (<c>now()</c>, see <c>StockReservation</c>), so that the decision and the
/// stock it takes share one instant.
/// </summary>
public sealed class SaleCatalog(IDatabaseGate gate, TimeProvider clock)
{
    /// <summary>
    /// A sale item's units left: the rule lives in the database (<c>sale_item_units_left</c>, migration 0011) so that the
    /// waiting room's tick can read a sale's units left in the same statement as the admissions holding them.
    /// </summary>
    private const string ItemColumns = """
        si.sale_id AS SaleId, si.product_id AS ProductId, p.name, p.price_cents AS RegularPriceCents, si.price_cents AS PriceCents,
        si.quantity, sale_item_units_left(si.sale_id, si.product_id) AS UnitsLeft
        """;

    private const string SaleColumns = "s.id, s.name, s.starts_at AS StartsAt, s.ends_at AS EndsAt";

    public Task<Sale?> GetAsync(long saleId, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Sheddable, cancellationToken, async (connection, token) =>
            (await ReadAsync(connection, null, [saleId], token)).SingleOrDefault());

    /// <summary>One page of every sale, newest first, and how many there are.</summary>
    public Task<Paged<Sale>> ListAsync(int page, int pageSize, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM sales", cancellationToken: token));
            var ids = total == 0 ? [] : (await connection.QueryAsync<long>(new CommandDefinition(
                "SELECT id FROM sales ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset",
                new { limit = pageSize, offset = (page - 1) * pageSize }, cancellationToken: token))).ToArray();
            return new Paged<Sale>(await ReadAsync(connection, null, ids, token), page, pageSize, total);
        });

    /// <summary>Every sale not over yet (upcoming or open), with its items and units left: what the waiting room follows.</summary>
    /// <remarks>
    /// Critical: during a sale this read is what tells the line it sold out; at normal priority the sale's own crowd
    /// starved it (lab sale: 69 refreshes refused, buyers told "sold out" 9.5 s late).
    /// </remarks>
    public Task<IReadOnlyList<Sale>> ActiveAsync(CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            var ids = (await connection.QueryAsync<long>(new CommandDefinition(
                "SELECT id FROM sales WHERE ends_at > @now", new { now = clock.GetUtcNow().UtcDateTime }, cancellationToken: token))).ToArray();
            return await ReadAsync(connection, null, ids, token);
        });

    /// <summary>The sales with these ids, in the order given, each with its items and its state now.</summary>
    internal async Task<IReadOnlyList<Sale>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long[] ids,
        CancellationToken cancellationToken)
    {
        if (ids.Length == 0)
        {
            return [];
        }

        var sales = (await connection.QueryAsync<WindowRow>(new CommandDefinition(
            $"SELECT {SaleColumns} FROM sales s WHERE s.id = ANY(@ids)", new { ids }, transaction, cancellationToken: cancellationToken)))
            .ToDictionary(row => row.Id);
        var items = (await connection.QueryAsync<ItemRow>(new CommandDefinition($"""
            SELECT {ItemColumns} FROM sale_items si JOIN products p ON p.id = si.product_id
            WHERE si.sale_id = ANY(@ids) ORDER BY si.sale_id, si.product_id
            """, new { ids }, transaction, cancellationToken: cancellationToken))).ToLookup(item => item.SaleId);
        var now = clock.GetUtcNow();
        return [.. ids.Where(sales.ContainsKey).Select(id =>
        {
            var row = sales[id];
            var window = row.ToWindow();
            return new Sale(id, row.Name, window.StartsAt, window.EndsAt, window.StateAt(now), window.OpensInSecondsAt(now),
                [.. items[id].Select(item => new SaleItem(item.ProductId, item.Name, item.RegularPriceCents, item.PriceCents, item.Quantity,
                    Math.Max(0, item.UnitsLeft)))]);
        })];
    }

    private sealed record WindowRow(long Id, string Name, DateTime StartsAt, DateTime EndsAt)
    {
        public SaleWindow ToWindow() => new(Id, Utc(StartsAt), Utc(EndsAt));
    }

    private sealed record ItemRow(long SaleId, long ProductId, string Name, long RegularPriceCents, long PriceCents, int Quantity, int UnitsLeft);

    internal static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
