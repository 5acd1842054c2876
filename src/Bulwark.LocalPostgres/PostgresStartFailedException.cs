namespace Bulwark.LocalPostgres;

/// <summary>The cluster could not be initialized or started. The message ends with the tail of the server log.</summary>
public sealed class PostgresStartFailedException : Exception
{
    public PostgresStartFailedException()
        : this("PostgreSQL failed to start.")
    {
    }

    public PostgresStartFailedException(string message)
        : base(message)
    {
    }

    public PostgresStartFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
