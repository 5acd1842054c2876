using Bulwark.Guard.Gate;
using Dapper;

namespace Bulwark.Shop.Accounts;

/// <summary>Accounts in PostgreSQL, looked up by normalized email.</summary>
public sealed class AccountStore(IDatabaseGate gate)
{
    /// <summary>Creates the account, or returns null when the email is taken.</summary>
    public Task<AccountCreated?> CreateAsync(string email, string passwordHash, string[] roles, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Normal, cancellationToken, async (connection, token) =>
        {
            var id = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition("""
                INSERT INTO users (email, normalized_email, password_hash, roles) VALUES (@email, @normalized, @passwordHash, @roles)
                ON CONFLICT (normalized_email) DO NOTHING RETURNING id
                """, new { email = email.Trim(), normalized = EmailAddress.Normalize(email), passwordHash, roles }, cancellationToken: token));
            return id is { } created ? new AccountCreated(created, email.Trim()) : null;
        });

    public Task<Account?> FindAsync(string email, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Normal, cancellationToken, (connection, token) =>
            connection.QuerySingleOrDefaultAsync<Account>(new CommandDefinition("""
                SELECT id, email, password_hash AS PasswordHash, array_to_string(roles, ' ') AS RoleList FROM users WHERE normalized_email = @normalized
                """, new { normalized = EmailAddress.Normalize(email) }, cancellationToken: token)));

    /// <summary>Adds roles to an existing account (used to promote the configured first admin).</summary>
    public Task<int> GrantAsync(string email, string role, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Normal, cancellationToken, (connection, token) =>
            connection.ExecuteAsync(new CommandDefinition("""
                UPDATE users SET roles = array_append(roles, @role) WHERE normalized_email = @normalized AND NOT (@role = ANY (roles))
                """, new { normalized = EmailAddress.Normalize(email), role }, cancellationToken: token)));

    /// <summary>Updates a hash the hasher asked to upgrade (e.g. after an iteration-count increase).</summary>
    public Task RehashAsync(long id, string passwordHash, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Normal, cancellationToken, (connection, token) =>
            connection.ExecuteAsync(new CommandDefinition("UPDATE users SET password_hash = @passwordHash WHERE id = @id",
                new { id, passwordHash }, cancellationToken: token)));

}
