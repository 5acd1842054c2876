using Bulwark.Guard.Gate;
using Dapper;
using Npgsql;

namespace Bulwark.Shop.Cart;

/// <summary>Carts live in PostgreSQL, one per user, so any instance can serve any request.</summary>
public sealed class CartStore(IDatabaseGate gate)
{
    /// <summary>Distinct products a cart may hold; bounds the work of one checkout.</summary>
    public const int MaxLines = 50;

    public Task<CartView> GetAsync(long userId, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Normal, cancellationToken, (connection, token) => ReadAsync(connection, userId, token));

    /// <summary>Sets the quantity of one line (1..99) and answers the cart as it now is.</summary>
    /// <remarks>
    /// Critical, like the endpoint: the cart update is the first half of a purchase. At normal the gate shed it
    /// while the edge had let it in as critical, and buyers in a flash sale's rush (lab sale) spent twenty seconds
    /// retrying it before they could even join the line — then learned "sold out" long after everyone else.
    /// </remarks>
    public Task<(CartChange Change, CartView? Cart)> SetAsync(long userId, long productId, int quantity, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
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

    /// <summary>Removes one line; removing a line that is not there is not an error (DELETE is idempotent). Critical, as <see cref="SetAsync"/>.</summary>
    public Task<CartView> RemoveAsync(long userId, long productId, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM cart_items WHERE user_id = @userId AND product_id = @productId", new { userId, productId }, cancellationToken: token));
            return await ReadAsync(connection, userId, token);
        });

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
