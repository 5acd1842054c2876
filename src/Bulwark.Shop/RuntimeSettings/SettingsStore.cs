using System.Text.Json;
using System.Text.Json.Nodes;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Audit;
using Dapper;
using Npgsql;

namespace Bulwark.Shop.RuntimeSettings;

/// <summary>The numbered settings versions in PostgreSQL. Saving notifies every instance listening.</summary>
public sealed class SettingsStore(IDatabaseGate gate)
{
    public const string Channel = "bulwark_runtime_settings";

    public Task<SettingsVersion?> CurrentAsync(CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Normal, cancellationToken, async (connection, token) =>
            (await ReadAsync(connection, "ORDER BY version DESC LIMIT 1", new { }, token)).FirstOrDefault());

    public Task<SettingsVersion?> FindAsync(int version, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Normal, cancellationToken, async (connection, token) =>
            (await ReadAsync(connection, "WHERE version = @version", new { version }, token)).FirstOrDefault());

    public Task<IReadOnlyList<SettingsVersion>> HistoryAsync(int limit, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Normal, cancellationToken, (connection, token) =>
            ReadAsync(connection, "ORDER BY version DESC LIMIT @limit", new { limit }, token));

    /// <summary>The configuration the newest deploy shipped (null on a database that has none yet).</summary>
    public Task<ShopSettings?> LastDeployedAsync(CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Normal, cancellationToken, async (connection, token) =>
            await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT deployed::text FROM runtime_settings WHERE deployed IS NOT NULL ORDER BY version DESC LIMIT 1",
                cancellationToken: token)) is { } json
                ? JsonSerializer.Deserialize<ShopSettings>(json, SettingsJson.Stored)
                : null);

    /// <summary>
    /// Records <paramref name="settings"/> as the next version, unless the newest version is no longer
    /// <paramref name="basedOn"/> (someone else changed the settings meanwhile): then answers null and the
    /// caller validates against the newer version again. Version 1 is saved with <paramref name="basedOn"/> = null.
    /// Every later version is recorded in the audit trail in the same transaction: an admin's change or
    /// rollback, or a deploy, which keeps the configuration it shipped in <paramref name="deployed"/>.
    /// </summary>
    public Task<SettingsVersion?> SaveAsync(SettingsVersion? basedOn, ShopSettings settings, AuditActor changedBy, string reason,
        int? rollbackOf, ShopSettings? deployed, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Normal, cancellationToken, async (connection, token) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(token);
            // Serializes writers across instances; readers are not blocked.
            await connection.ExecuteAsync(new CommandDefinition("LOCK TABLE runtime_settings IN SHARE ROW EXCLUSIVE MODE", transaction: transaction, cancellationToken: token));
            var newest = await connection.ExecuteScalarAsync<int?>(new CommandDefinition("SELECT max(version) FROM runtime_settings", transaction: transaction, cancellationToken: token));
            if (newest != basedOn?.Version)
            {
                await transaction.RollbackAsync(token);
                return null;
            }

            var version = (newest ?? 0) + 1;
            var diff = basedOn is null ? [] : SettingsJson.Diff(basedOn.Settings, settings);
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO runtime_settings (version, settings, changed_by, reason, diff, rollback_of, deployed)
                VALUES (@version, @settings::jsonb, @changedBy, @reason, @diff::jsonb, @rollbackOf, @deployed::jsonb);
                SELECT pg_notify(@channel, @version::text);
                """, new
            {
                version,
                settings = JsonSerializer.Serialize(settings, SettingsJson.Options),
                changedBy = changedBy.Name,
                reason,
                diff = JsonSerializer.Serialize(diff, SettingsJson.Options),
                rollbackOf,
                deployed = deployed is null ? null : JsonSerializer.Serialize(deployed, SettingsJson.Options),
                channel = Channel,
            }, transaction, cancellationToken: token));
            if (basedOn is not null)
            {
                await AuditTrail.RecordAsync(connection, transaction, new AuditEntry(changedBy,
                    rollbackOf is not null ? "settings.rollback" : deployed is not null ? "settings.deploy" : "settings.change", $"settings:{version}",
                    diff.ToDictionary(change => change.Path, change => Value(change.From)),
                    diff.ToDictionary(change => change.Path, change => Value(change.To)), reason), token);
            }

            await transaction.CommitAsync(token);
            return (await ReadAsync(connection, "WHERE version = @version", new { version }, token)).Single();
        });

    /// <summary>A diff side is JSON text; the audit keeps it as the JSON value it is, not as a string of JSON.</summary>
    private static JsonNode? Value(string? json) => json is null ? null : JsonNode.Parse(json);

    private static async Task<IReadOnlyList<SettingsVersion>> ReadAsync(NpgsqlConnection connection, string clause, object parameters, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<SettingsRow>(new CommandDefinition($"""
            SELECT version, settings::text AS Settings, changed_at AS ChangedAt, changed_by AS ChangedBy, reason, diff::text AS Diff, rollback_of AS RollbackOf
            FROM runtime_settings {clause}
            """, parameters, cancellationToken: cancellationToken));
        return rows.Select(row => new SettingsVersion(row.Version,
            JsonSerializer.Deserialize<ShopSettings>(row.Settings, SettingsJson.Stored)!,
            row.ChangedAt, row.ChangedBy, row.Reason,
            JsonSerializer.Deserialize<List<SettingChange>>(row.Diff, SettingsJson.Stored)!, row.RollbackOf)).ToList();
    }

    private sealed record SettingsRow(int Version, string Settings, DateTime ChangedAt, string ChangedBy, string Reason, string Diff, int? RollbackOf);
}
