using Bulwark.Shop.Tests.Infrastructure;
using Npgsql;

namespace Bulwark.Shop.Tests.Checkout;

/// <summary>Row locks a test holds to park the shop's transactions exactly where it needs them.</summary>
internal static class RowLocks
{
    /// <summary>Locks one row of <paramref name="table"/> (products, orders) in a transaction of its own until disposed.</summary>
    public static async Task<RowLock> LockAsync(ShopFixture shop, string table, long id)
    {
        var connection = new NpgsqlConnection(shop.ConnectionString + ";Application Name=bulwark-tests-lock");
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand($"SELECT 1 FROM {table} WHERE id = $1 FOR UPDATE", connection, transaction)
        {
            Parameters = { new() { Value = id } },
        };
        await command.ExecuteScalarAsync();
        return new RowLock(connection, transaction);
    }

    /// <summary>Waits until this many of the shop's statements wait for a row lock.</summary>
    public static async Task WaitForWaitersAsync(ShopFixture shop, int count)
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            if (await shop.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") >= count)
            {
                return;
            }

            await Task.Delay(10);
        }

        Assert.Fail($"No {count} statement(s) came to wait for a row lock in 5 s.");
    }
}

internal sealed record RowLock(NpgsqlConnection Connection, NpgsqlTransaction Transaction) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
