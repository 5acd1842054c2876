namespace Bulwark.LocalPostgres;

/// <summary>No usable PostgreSQL server binaries. The message is one line that says what to install.</summary>
public sealed class PostgresNotInstalledException : Exception
{
    public PostgresNotInstalledException()
        : this("PostgreSQL server binaries not found.")
    {
    }

    public PostgresNotInstalledException(string message)
        : base(message)
    {
    }

    public PostgresNotInstalledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
