using Bulwark.Guard.Gate;
using Bulwark.Shop.WaitingRoom;
using Dapper;
using Npgsql;

namespace Bulwark.Shop.Cart;

/// <summary>Carts live in PostgreSQL, one per user, so any instance can serve any request.</summary>
public sealed class CartStore(IDatabaseGate gate, ISaleQueueSource sales)
{
    /// <summary>Distinct products a cart may hold; bounds the work of one checkout.</summary>
    public const int MaxLines = 50;

    public Task<CartView> GetAsync(long userId, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Normal, cancellationToken, (connection, token) => ReadAsync(connection, userId, token));

    /// <summary>Sets the quantity of one line (1..99) and answers the cart as it now is.</summary>
    public Task<(CartChange Change, CartView? Cart)> SetAsync(long userId, long productId, int quantity, CancellationToken cancellationToken) =>
        gate.RunAsync(PriorityFor(productId), cancellationToken, async (connection, token) =>
        {
            // One statement: the product must exist and the cart must have room unless the line is already there.
            var saved = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition("""
                INSERT INTO cart_items (user_id, product_id, quantity)
                SELECT @userId, p.id, @quantity FROM products p
                WHERE p.id = @productId AND p.hidden_at IS NULL
                  AND ((SELECT count(*) FROM cart_items WHERE user_id = @userId AND product_id <> @productId) < @maxLines)
                ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = excluded.quantity, updated_at = now()
                RETURNING product_id
                """, new { userId, productId, quantity, maxLines = MaxLines }, cancellationToken: token));
            if (saved is null)
            {
                var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "SELECT EXISTS (SELECT 1 FROM products WHERE id = @productId AND hidden_at IS NULL)", new { productId }, cancellationToken: token));
                return (exists ? CartChange.CartFull : CartChange.UnknownProduct, (CartView?)null);
            }

            return (CartChange.Saved, await ReadAsync(connection, userId, token));
        });

    /// <summary>Removes one line; removing a line that is not there is not an error (DELETE is idempotent).</summary>
    public Task<CartView> RemoveAsync(long userId, long productId, CancellationToken cancellationToken) =>
        gate.RunAsync(PriorityFor(productId), cancellationToken, async (connection, token) =>
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM cart_items WHERE user_id = @userId AND product_id = @productId", new { userId, productId }, cancellationToken: token));
            return await ReadAsync(connection, userId, token);
        });

    /// <summary>
    /// Normal, except for a product in a sale not yet over, which is critical. The gate sheds normal cart changes
    /// before checkout's critical work, so a crowd filling carts cannot starve purchases (lab bench: with every cart
    /// change critical, checkout goodput at 5× fell from 42/s to 1/s). But a flash sale's buyers must put its item in
    /// the cart before they can queue for it: shed at normal in the sale's rush, they retried for twenty seconds
    /// (lab sale) and learned "sold out" long after everyone in line. The waiting room orders them from there.
    /// </summary>
    private Priority PriorityFor(long productId) => sales.InSale(productId) ? Priority.Critical : Priority.Normal;

    private static async Task<CartView> ReadAsync(NpgsqlConnection connection, long userId, CancellationToken cancellationToken)
    {
        var lines = (await connection.QueryAsync<CartLine>(new CommandDefinition("""
            SELECT p.id AS ProductId, p.sku, p.name, p.price_cents AS PriceCents, ci.quantity, p.stock
            FROM cart_items ci JOIN products p ON p.id = ci.product_id
            WHERE ci.user_id = @userId ORDER BY p.id
            """, new { userId }, cancellationToken: cancellationToken))).AsList();
        return new CartView(lines, lines.Sum(line => line.LineTotalCents));
    }
}
