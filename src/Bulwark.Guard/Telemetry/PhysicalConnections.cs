using Npgsql;

namespace Bulwark.Guard.Telemetry;

/// <summary>
/// Tells an open whether Npgsql had to create a physical connection for it, so create time can be
/// measured: Npgsql runs the data source's physical-connection initializer inside the caller's async
/// flow, where a flag object set by the caller is visible.
/// </summary>
public static class PhysicalConnections
{
    private static readonly AsyncLocal<StrongBox?> Watching = new();

    /// <summary>Register on the data source builder: <c>UsePhysicalConnectionInitializer(Created, CreatedAsync)</c>.</summary>
    public static void Created(NpgsqlConnection connection)
    {
        if (Watching.Value is { } box)
        {
            box.Value = true;
        }
    }

    public static Task CreatedAsync(NpgsqlConnection connection)
    {
        Created(connection);
        return Task.CompletedTask;
    }

    /// <summary>Opens a connection; <c>Created</c> says whether a physical connection was made for it.</summary>
    public static async ValueTask<(NpgsqlConnection Connection, bool Created)> OpenAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var box = new StrongBox();
        Watching.Value = box;
        try
        {
            var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            return (connection, box.Value);
        }
        finally
        {
            Watching.Value = null;
        }
    }

    private sealed class StrongBox
    {
        public bool Value { get; set; }
    }
}
