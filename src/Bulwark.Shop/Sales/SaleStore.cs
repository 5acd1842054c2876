using Bulwark.Guard.Gate;
using Bulwark.Shop.Audit;
using Bulwark.Shop.Catalog.Admin;
using Dapper;

namespace Bulwark.Shop.Sales;

/// <summary>
/// The sales' writes: each one short transaction that makes the change and its audit entry together. Critical at
/// the gate like the other admin writes: scheduling or calling off a sale must not be shed by the traffic it draws.
/// </summary>
public sealed class SaleStore(IDatabaseGate gate, SaleCatalog catalog)
{
    /// <summary>
    /// Serializes sale creations, so that two overlapping sales of one product created at once cannot both pass the
    /// overlap check. An advisory lock, not a lock on the products' rows: those are what checkout takes.
    /// </summary>
    private const long CreationLock = 0x5a1e_0000_0011;

    public Task<CatalogChange<Sale>> CreateAsync(NewSale sale, AuditActor actor, CancellationToken cancellationToken) =>
        gate.RunAsync<CatalogChange<Sale>>(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(token);
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@CreationLock)", new { CreationLock }, transaction, cancellationToken: token));
            var productIds = sale.Items.Select(item => item.ProductId).ToArray();
            var products = (await connection.QueryAsync<(long Id, bool Hidden, int Stock)>(new CommandDefinition(
                "SELECT id, hidden_at IS NOT NULL, stock FROM products WHERE id = ANY(@productIds)",
                new { productIds }, transaction, cancellationToken: token))).ToDictionary(product => product.Id);
            for (var i = 0; i < sale.Items.Count; i++)
            {
                var item = sale.Items[i];
                if (!products.TryGetValue(item.ProductId, out var product) || product.Hidden)
                {
                    return new CatalogChange<Sale>.InvalidField($"items[{i}].productId",
                        $"There is no product with id {item.ProductId}, or it is hidden: only products on sale in the catalog can be in a sale.");
                }

                if (item.Quantity > product.Stock)
                {
                    return new CatalogChange<Sale>.InvalidField($"items[{i}].quantity",
                        $"Product {item.ProductId} has {product.Stock} units in stock; a sale of {item.Quantity} would sell units that are not there.");
                }
            }

            var startsAt = sale.StartsAt.UtcDateTime;
            var endsAt = sale.EndsAt.UtcDateTime;
            var overlap = await connection.QueryFirstOrDefaultAsync<(long ProductId, long SaleId, string Name)?>(new CommandDefinition("""
                SELECT si.product_id, s.id, s.name FROM sale_items si JOIN sales s ON s.id = si.sale_id
                WHERE si.product_id = ANY(@productIds) AND s.starts_at < @endsAt AND s.ends_at > @startsAt
                ORDER BY si.product_id, s.starts_at LIMIT 1
                """, new { productIds, startsAt, endsAt }, transaction, cancellationToken: token));
            if (overlap is { } clash)
            {
                return new CatalogChange<Sale>.Conflict("Overlapping sale",
                    $"Product {clash.ProductId} is already in sale {clash.SaleId} ({clash.Name}), whose window overlaps this one; a product sells at one sale price at a time.",
                    new Dictionary<string, object?> { ["field"] = "items", ["productId"] = clash.ProductId, ["saleId"] = clash.SaleId });
            }

            var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
                WITH sale AS (
                    INSERT INTO sales (name, starts_at, ends_at, created_by) VALUES (@name, @startsAt, @endsAt, @createdBy) RETURNING id
                ), items AS (
                    INSERT INTO sale_items (sale_id, product_id, price_cents, quantity)
                    SELECT sale.id, i.product_id, i.price_cents, i.quantity
                    FROM sale, unnest(@productIds, @prices, @quantities) AS i(product_id, price_cents, quantity)
                )
                SELECT id FROM sale
                """, new
            {
                name = sale.Name,
                startsAt,
                endsAt,
                createdBy = actor.Name,
                productIds,
                prices = sale.Items.Select(item => item.PriceCents).ToArray(),
                quantities = sale.Items.Select(item => item.Quantity).ToArray(),
            }, transaction, cancellationToken: token));
            await AuditTrail.RecordAsync(connection, transaction, new AuditEntry(actor, "sale.create", Target(id), null, sale, null), token);
            var created = (await catalog.ReadAsync(connection, transaction, [id], token)).Single();
            await transaction.CommitAsync(token);
            return new CatalogChange<Sale>.Done(created);
        });

    /// <summary>
    /// Calls a sale off, only before it starts. "Before" is the database's clock, the one checkout judges a sale open
    /// by: once a checkout could have sold at the sale price, the sale stays.
    /// </summary>
    public Task<CatalogChange<bool>> DeleteAsync(long saleId, AuditActor actor, CancellationToken cancellationToken) =>
        gate.RunAsync<CatalogChange<bool>>(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(token);
            var before = (await catalog.ReadAsync(connection, transaction, [saleId], token)).SingleOrDefault();
            if (before is null)
            {
                return new CatalogChange<bool>.NotFound($"There is no sale with id {saleId}.");
            }

            var deleted = await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM sales WHERE id = @saleId AND starts_at > now()", new { saleId }, transaction, cancellationToken: token));
            if (deleted == 0)
            {
                return new CatalogChange<bool>.Conflict("Sale started",
                    $"Sale {saleId} started at {before.StartsAt:O}; a sale can be deleted only before it starts.",
                    new Dictionary<string, object?> { ["saleId"] = saleId, ["startsAt"] = before.StartsAt });
            }

            await AuditTrail.RecordAsync(connection, transaction, new AuditEntry(actor, "sale.delete", Target(saleId), before, null, null), token);
            await transaction.CommitAsync(token);
            return new CatalogChange<bool>.Done(true);
        });

    private static string Target(long saleId) => $"sale:{saleId}";
}
