using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bulwark.Lab.Orchestration;

/// <summary>
/// Incident 3's culprit, reproduced: connections opened straight to PostgreSQL and left idle
/// (optionally inside an open transaction, holding a snapshot) so they take server slots the shop
/// needs. Opening stops quietly at the server's limit; <see cref="Held"/> says how many it got.
/// </summary>
public sealed class IdleConnectionHog : IAsyncDisposable
{
    readonly List<NpgsqlConnection> _connections = [];

    public int Held => _connections.Count;
    public bool InTransaction { get; private init; }
    public string? StoppedBecause { get; private set; }

    public static async Task<IdleConnectionHog> OpenAsync(string connectionString, int count, bool inTransaction, ILogger logger, CancellationToken ct)
    {
        // Unpooled: each is a real server backend, exactly what a leaking app's pool would hold.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "bulwark-lab-idle-hog" };
        var hog = new IdleConnectionHog { InTransaction = inTransaction };
        try
        {
            for (var i = 0; i < count; i++)
            {
                var connection = new NpgsqlConnection(builder.ConnectionString);
                try
                {
                    await connection.OpenAsync(ct);
                    if (inTransaction)
                    {
                        // BEGIN plus a statement that takes a transaction id: "idle in transaction" for real.
                        await using var begin = new NpgsqlCommand("BEGIN; SELECT txid_current();", connection);
                        await begin.ExecuteNonQueryAsync(ct);
                    }
                }
                catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.ConfigurationLimitExceeded)
                {
                    await connection.DisposeAsync();
                    hog.StoppedBecause = $"server refused connection {i + 1}: {e.MessageText}";
                    break;
                }
                hog._connections.Add(connection);
            }
        }
        catch
        {
            await hog.DisposeAsync();
            throw;
        }
        logger.LogInformation("Holding {Held} idle{Transaction} connections to PostgreSQL{Why}",
            hog.Held, inTransaction ? " in transaction" : "", hog.StoppedBecause is null ? "" : $" ({hog.StoppedBecause})");
        return hog;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections) await connection.DisposeAsync();
        _connections.Clear();
    }
}
