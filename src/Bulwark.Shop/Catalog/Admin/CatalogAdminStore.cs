using Bulwark.Guard.Gate;
using Bulwark.Shop.Audit;
using Dapper;
using Npgsql;

namespace Bulwark.Shop.Catalog.Admin;

/// <summary>
/// The catalog's writes. Each is one short transaction that makes the change, records it in the audit
/// trail and announces it (<see cref="CatalogInvalidation"/>), so that the change, its record and every
/// instance's view of it stand or fall together. Critical at the gate, as runtime settings are: an
/// operator topping up stock or fixing a price during a sale must not be shed by the sale.
/// </summary>
public sealed class CatalogAdminStore(IDatabaseGate gate, CatalogCache cache)
{
    public Task<CatalogChange<Product>> CreateProductAsync(NewProduct product, AuditActor actor, CancellationToken cancellationToken) =>
        ChangeAsync<Product>("product", cancellationToken, async (connection, transaction, token) =>
        {
            var id = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition("""
                INSERT INTO products (sku, name, description, category_id, price_cents, stock)
                SELECT @Sku, @Name, @Description, c.id, @PriceCents, @Stock FROM categories c WHERE c.id = @CategoryId
                ON CONFLICT (sku) DO NOTHING
                RETURNING id
                """, product, transaction, cancellationToken: token));
            if (id is null)
            {
                if (!await CategoryExistsAsync(connection, transaction, product.CategoryId, token))
                {
                    return UnknownCategory<Product>(product.CategoryId);
                }

                var taken = await connection.QuerySingleAsync<(long Id, bool Hidden)>(new CommandDefinition(
                    "SELECT id, hidden_at IS NOT NULL FROM products WHERE sku = @Sku", product, transaction, cancellationToken: token));
                return new CatalogChange<Product>.Conflict("SKU exists",
                    $"Product {taken.Id} already has SKU {product.Sku}{(taken.Hidden ? " (hidden)" : "")}; a SKU names one product for good.",
                    new Dictionary<string, object?> { ["field"] = "sku", ["productId"] = taken.Id });
            }

            await AuditTrail.RecordAsync(connection, transaction,
                new AuditEntry(actor, "product.create", Target(id.Value), null, product, null), token);
            return new CatalogChange<Product>.Done(await ReadAsync(connection, transaction, id.Value, token));
        });

    public Task<CatalogChange<Product>> ChangeProductAsync(long id, ProductChange change, AuditActor actor, CancellationToken cancellationToken) =>
        ChangeAsync<Product>("product", cancellationToken, async (connection, transaction, token) =>
        {
            // FOR NO KEY UPDATE, the lock the UPDATE takes anyway: checkouts inserting order lines for this
            // product (which take KEY SHARE on it) are not held up by it.
            var current = await connection.QuerySingleOrDefaultAsync<EditableFields>(new CommandDefinition("""
                SELECT name, description, category_id AS CategoryId, price_cents AS PriceCents
                FROM products WHERE id = @id AND hidden_at IS NULL FOR NO KEY UPDATE
                """, new { id }, transaction, cancellationToken: token));
            if (current is null)
            {
                return NoProduct<Product>(id);
            }

            if (change.CategoryId is { } categoryId && !await CategoryExistsAsync(connection, transaction, categoryId, token))
            {
                return UnknownCategory<Product>(categoryId);
            }

            var before = new Dictionary<string, object?>();
            var after = new Dictionary<string, object?>();
            Compare("name", current.Name, change.Name, before, after);
            Compare("description", current.Description, change.Description, before, after);
            Compare("categoryId", current.CategoryId, change.CategoryId, before, after);
            Compare("priceCents", current.PriceCents, change.PriceCents, before, after);
            if (after.Count > 0)
            {
                await connection.ExecuteAsync(new CommandDefinition("""
                    UPDATE products SET name = coalesce(@Name, name), description = coalesce(@Description, description),
                        category_id = coalesce(@CategoryId, category_id), price_cents = coalesce(@PriceCents, price_cents)
                    WHERE id = @id
                    """, new { id, change.Name, change.Description, change.CategoryId, change.PriceCents }, transaction, cancellationToken: token));
                await AuditTrail.RecordAsync(connection, transaction, new AuditEntry(actor, "product.update", Target(id), before, after, null), token);
            }

            return new CatalogChange<Product>.Done(await ReadAsync(connection, transaction, id, token));
        });

    /// <summary>
    /// Adds <paramref name="delta"/> units (or writes them off) with one conditional UPDATE, the same kind of
    /// statement checkout takes stock with: the row lock orders the two, so a top-up racing a sale neither
    /// loses units nor lets the stock dip below zero. Recorded in <c>stock_adjustments</c> by the same statement.
    /// </summary>
    public Task<CatalogChange<StockLevel>> AdjustStockAsync(long id, int delta, string reason, AuditActor actor, CancellationToken cancellationToken) =>
        ChangeAsync<StockLevel>("stock", cancellationToken, async (connection, transaction, token) =>
        {
            var stock = await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition("""
                WITH adjusted AS (
                    UPDATE products SET stock = stock + @delta
                    WHERE id = @id AND hidden_at IS NULL AND stock + @delta::bigint BETWEEN 0 AND @maxStock
                    RETURNING id, stock
                ), recorded AS (
                    INSERT INTO stock_adjustments (product_id, delta, stock_after, reason, actor)
                    SELECT id, @delta, stock, @reason, @actor FROM adjusted
                )
                SELECT stock FROM adjusted
                """, new { id, delta, reason, actor = actor.Name, maxStock = CatalogFieldRules.MaxStock }, transaction, cancellationToken: token));
            if (stock is null)
            {
                var current = await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(
                    "SELECT stock FROM products WHERE id = @id AND hidden_at IS NULL", new { id }, transaction, cancellationToken: token));
                if (current is null)
                {
                    return NoProduct<StockLevel>(id);
                }

                var extensions = new Dictionary<string, object?> { ["field"] = "delta", ["stock"] = current, ["delta"] = delta };
                return current + (long)delta < 0
                    ? new CatalogChange<StockLevel>.Conflict("Not enough stock",
                        $"Product {id} has {current} units; writing off {-delta} would leave it below zero.", extensions)
                    : new CatalogChange<StockLevel>.Conflict("Stock limit",
                        $"Product {id} has {current} units; adding {delta} would pass the limit of {CatalogFieldRules.MaxStock}.", extensions);
            }

            await AuditTrail.RecordAsync(connection, transaction, new AuditEntry(actor, "stock.adjust", Target(id),
                new { stock = stock.Value - delta }, new { stock = stock.Value, delta }, reason), token);
            return new CatalogChange<StockLevel>.Done(new StockLevel(id, stock.Value));
        });

    /// <summary>
    /// Hides the product from the catalog; its row stays, so its orders and their lines keep working and its
    /// SKU stays taken. True when hidden now, false when it was hidden already (DELETE is idempotent).
    /// </summary>
    public Task<CatalogChange<bool>> HideProductAsync(long id, AuditActor actor, CancellationToken cancellationToken) =>
        ChangeAsync<bool>("product", cancellationToken, async (connection, transaction, token) =>
        {
            var hidden = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE products SET hidden_at = now() WHERE id = @id AND hidden_at IS NULL", new { id }, transaction, cancellationToken: token));
            if (hidden == 0)
            {
                return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "SELECT EXISTS (SELECT 1 FROM products WHERE id = @id)", new { id }, transaction, cancellationToken: token))
                    ? new CatalogChange<bool>.Done(false)
                    : NoProduct<bool>(id);
            }

            await AuditTrail.RecordAsync(connection, transaction, new AuditEntry(actor, "product.hide", Target(id),
                new { visible = true }, new { visible = false }, null), token);
            return new CatalogChange<bool>.Done(true);
        });

    public Task<CatalogChange<Category>> CreateCategoryAsync(string name, AuditActor actor, CancellationToken cancellationToken) =>
        ChangeAsync<Category>("category", cancellationToken, async (connection, transaction, token) =>
        {
            var id = await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(
                "INSERT INTO categories (name) VALUES (@name) ON CONFLICT (name) DO NOTHING RETURNING id",
                new { name }, transaction, cancellationToken: token));
            if (id is null)
            {
                return new CatalogChange<Category>.Conflict("Category exists", $"There is a category named {name} already.",
                    new Dictionary<string, object?> { ["field"] = "name" });
            }

            await AuditTrail.RecordAsync(connection, transaction,
                new AuditEntry(actor, "category.create", $"category:{id}", null, new { name }, null), token);
            return new CatalogChange<Category>.Done(new Category(id.Value, name, 0));
        });

    /// <summary>
    /// Runs one write in its own transaction: a change that is done is announced and committed, then this
    /// instance's cache is dropped at once (the others drop theirs on the NOTIFY); anything else rolls back.
    /// </summary>
    private Task<CatalogChange<T>> ChangeAsync<T>(string what, CancellationToken cancellationToken,
        Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<CatalogChange<T>>> write) =>
        gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(token);
            var result = await write(connection, transaction, token);
            if (result is not CatalogChange<T>.Done)
            {
                await transaction.RollbackAsync(token);
                return result;
            }

            await CatalogInvalidation.AnnounceAsync(connection, transaction, what, token);
            await transaction.CommitAsync(token);
            cache.Clear();
            return result;
        });

    private static async Task<Product> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long id, CancellationToken cancellationToken) =>
        await connection.QuerySingleAsync<Product>(new CommandDefinition($"""
            SELECT {CatalogStore.ProductColumns} FROM products p JOIN categories c ON c.id = p.category_id WHERE p.id = @id
            """, new { id }, transaction, cancellationToken: cancellationToken));

    private static Task<bool> CategoryExistsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int categoryId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM categories WHERE id = @categoryId)",
            new { categoryId }, transaction, cancellationToken: cancellationToken));

    private static void Compare(string field, object current, object? proposed, Dictionary<string, object?> before, Dictionary<string, object?> after)
    {
        if (proposed is not null && !current.Equals(proposed))
        {
            before[field] = current;
            after[field] = proposed;
        }
    }

    private sealed record EditableFields(string Name, string Description, int CategoryId, long PriceCents);

    private static string Target(long productId) => $"product:{productId}";

    private static CatalogChange<T> NoProduct<T>(long id) =>
        new CatalogChange<T>.NotFound($"There is no product with id {id}, or it is hidden.");

    private static CatalogChange<T> UnknownCategory<T>(int categoryId) =>
        new CatalogChange<T>.InvalidField("categoryId", $"There is no category with id {categoryId}; GET /api/categories lists them.");
}
