using Npgsql;

namespace Bulwark.Guard.Retries;

/// <summary>Which database failures are worth another attempt on a fresh connection.</summary>
public static class TransientFailures
{
    /// <summary>
    /// SQLSTATEs that say "try again": serialization failure and deadlock (the other transaction won,
    /// the same work will likely succeed now), the backend was terminated (admin shutdown, crash,
    /// restart in progress), and too many connections (another client took the last slot).
    /// </summary>
    public static readonly IReadOnlySet<string> SqlStates = new HashSet<string>(StringComparer.Ordinal)
    {
        PostgresErrorCodes.SerializationFailure,    // 40001
        PostgresErrorCodes.DeadlockDetected,        // 40P01
        PostgresErrorCodes.AdminShutdown,           // 57P01, e.g. pg_terminate_backend
        PostgresErrorCodes.CrashShutdown,           // 57P02
        PostgresErrorCodes.CannotConnectNow,        // 57P03, server starting or stopping
        PostgresErrorCodes.TooManyConnections,      // 53300
    };

    public static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException postgres => SqlStates.Contains(postgres.SqlState)
            || postgres.SqlState.StartsWith("08", StringComparison.Ordinal), // connection exceptions
        // Not a server error: the connection broke (I/O, socket). Npgsql knows which of these are transient.
        NpgsqlException npgsql => npgsql.IsTransient,
        _ => false,
    };

    /// <summary>
    /// The connection itself is gone (server crashed, restarted or killed the backend, socket broken): the
    /// pool's other idle connections to that server most likely died with it.
    /// </summary>
    public static bool IsConnectionLoss(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
            || postgres.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.IsTransient && npgsql.InnerException is IOException or System.Net.Sockets.SocketException or EndOfStreamException,
        _ => false,
    };

    /// <summary>Failures that also mean the database is overloaded, which the limit should back off from.</summary>
    public static bool IsOverload(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.TooManyConnections }
        || (exception is NpgsqlException { IsTransient: true } and not PostgresException);
}
