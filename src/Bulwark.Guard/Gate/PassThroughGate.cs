using Npgsql;

namespace Bulwark.Guard.Gate;

/// <summary>
/// No gate at all: every caller opens a connection straight from Npgsql's pool and waits there, first
/// come first served. This is how the platforms in the incident reports ran (<c>Guard:Mode=off</c>),
/// kept so the lab can show the difference side by side.
/// </summary>
public sealed class PassThroughGate(NpgsqlDataSource dataSource) : IDatabaseGate
{
    public async Task<T> RunAsync<T>(Priority priority, CancellationToken cancellationToken,
        Func<NpgsqlConnection, CancellationToken, Task<T>> work)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await work(connection, cancellationToken);
    }

    public async ValueTask<DatabaseLease> AcquireAsync(Priority priority, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return new DatabaseLease(connection, static () => ValueTask.CompletedTask);
    }
}
