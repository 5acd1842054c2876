using Npgsql;

namespace Bulwark.Guard.Gate;

/// <summary>An admitted slot with its open connection; disposing returns both.</summary>
public sealed class DatabaseLease(NpgsqlConnection connection, Func<ValueTask> release) : IAsyncDisposable
{
    private int _released;

    public NpgsqlConnection Connection { get; } = connection;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        try
        {
            await Connection.DisposeAsync();
        }
        finally
        {
            await release();
        }
    }
}
