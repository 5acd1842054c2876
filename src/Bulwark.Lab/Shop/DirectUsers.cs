using System.Net;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bulwark.Lab.Shop;

/// <summary>
/// Creates the lab's accounts straight in the shop's PostgreSQL when the lab owns that database.
/// Registering through the API costs the shop one PBKDF2 hash per account (about 0.1 s of a core
/// here), which for a few thousand virtual users is minutes of setup that measure nothing. Instead
/// one account is registered through the API, so the shop itself hashes the one shared password,
/// and every other account is inserted with a copy of that hash. Signing in still goes through the
/// API (one PBKDF2 verification per user, as for any real sign-in), so every token is the shop's own.
/// </summary>
public static class DirectUsers
{
    /// <summary>The shared password: 20 characters, above the shop's minimum, never a dictionary word.</summary>
    public static string NewSharedPassword() => "Lab!" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));

    /// <summary>
    /// Registers <paramref name="template"/> through the API, then inserts <paramref name="emails"/>
    /// with the template's password hash. Answers each email's user id (the pgbench scripts need them).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, long>> CreateAsync(ShopApi api, string connectionString, (string Email, string Password) template,
        IReadOnlyList<string> emails, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        var registered = await ShopFixture.Patiently(() => api.RegisterAsync(template.Email, template.Password, ct), time, ct);
        if (!registered.IsSuccess && registered.Status != HttpStatusCode.Conflict)
            throw new LabSetupException($"Registering the template account {template.Email} failed: {registered.Describe()}");

        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "bulwark-lab-setup" }.ConnectionString);
        await connection.OpenAsync(ct);
        await using var read = new NpgsqlCommand("SELECT password_hash FROM users WHERE normalized_email = $1", connection)
        {
            Parameters = { new() { Value = Normalize(template.Email) } },
        };
        var hash = await read.ExecuteScalarAsync(ct) as string
            ?? throw new LabSetupException($"The template account {template.Email} is not in the users table: is this the shop's database?");

        // One statement for all of them; ON CONFLICT keeps a re-run against the same database harmless.
        await using var insert = new NpgsqlCommand("""
            INSERT INTO users (email, normalized_email, password_hash)
            SELECT e, lower(e), $2 FROM unnest($1::text[]) WITH ORDINALITY AS u(e, n) ORDER BY n
            ON CONFLICT (normalized_email) DO NOTHING
            """, connection)
        {
            Parameters = { new() { Value = emails.ToArray() }, new() { Value = hash } },
        };
        await insert.ExecuteNonQueryAsync(ct);

        await using var ids = new NpgsqlCommand("SELECT normalized_email, id FROM users WHERE normalized_email = ANY($1)", connection)
        {
            Parameters = { new() { Value = emails.Select(Normalize).ToArray() } },
        };
        var result = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        await using (var reader = await ids.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) result[reader.GetString(0)] = reader.GetInt64(1);
        if (result.Count != emails.Count)
            throw new LabSetupException($"Created {result.Count} of {emails.Count} accounts in PostgreSQL.");
        logger.LogInformation("Created {Count} accounts in PostgreSQL with the shop's hash of one shared password", emails.Count);
        return emails.ToDictionary(e => e, e => result[Normalize(e)], StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The shop's normalization (trim, lower-case invariant): the lab's addresses are ASCII, so SQL lower() agrees.</summary>
    static string Normalize(string email) => email.Trim().ToLowerInvariant();
}
