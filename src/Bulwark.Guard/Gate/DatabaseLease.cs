using Npgsql;

namespace Bulwark.Guard.Gate;

/// <summary>An admitted slot with its open connection; disposing returns both.</summary>
public sealed class DatabaseLease : IAsyncDisposable
{
    private readonly Func<ValueTask>? _release;
    private readonly ILeaseOwner? _owner;
    private int _released;

    public DatabaseLease(NpgsqlConnection connection, Func<ValueTask> release)
    {
        Connection = connection;
        _release = release;
    }

    internal DatabaseLease(NpgsqlConnection connection, ILeaseOwner owner, CancellationToken cancellationToken, DateTimeOffset deadline)
    {
        Connection = connection;
        _owner = owner;
        CancellationToken = cancellationToken;
        Deadline = deadline;
    }

    public NpgsqlConnection Connection { get; }

    /// <summary>
    /// Fires at the lease's deadline or when its caller gives up. Pass it to every command: Npgsql then
    /// cancels the running statement on the server, so this token is the statement timeout.
    /// </summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>When the work must be done by (null for a lease without a gate).</summary>
    public DateTimeOffset? Deadline { get; }

    internal Permit Permit { get; init; }

    internal CancellationTokenSource? DeadlineSource { get; init; }

    internal CancellationTokenRegistration CallerLink { get; init; }

    internal CancellationToken CallerToken { get; init; }

    internal long LeakTicket { get; init; }

    /// <summary>Set by the gate's retry loop when the work failed, so the limit hears what happened.</summary>
    internal LeaseOutcome? Outcome { get; set; }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        if (_owner is not null)
        {
            await _owner.ReleaseAsync(this);
            return;
        }

        try
        {
            await Connection.DisposeAsync();
        }
        finally
        {
            await _release!();
        }
    }
}

/// <summary>The gate a lease goes back to.</summary>
internal interface ILeaseOwner
{
    ValueTask ReleaseAsync(DatabaseLease lease);
}
