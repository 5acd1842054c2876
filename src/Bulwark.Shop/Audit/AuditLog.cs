using System.Text.Json;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Catalog;
using Dapper;

namespace Bulwark.Shop.Audit;

/// <summary>One recorded admin action as the API shows it; before and after are the JSON that was recorded.</summary>
public sealed record AuditRecord(long Id, DateTime At, long? ActorUserId, string Actor, string Action, string Target,
    JsonElement? Before, JsonElement? After, string? Reason);

/// <summary>Reads the audit trail, newest first.</summary>
public sealed class AuditLog(IDatabaseGate gate)
{
    public Task<Paged<AuditRecord>> PageAsync(string? action, int page, int pageSize, CancellationToken cancellationToken) =>
        gate.RunAsync(Priority.Normal, cancellationToken, async (connection, token) =>
        {
            var parameters = new { action, limit = pageSize, offset = (page - 1) * pageSize };
            using var results = await connection.QueryMultipleAsync(new CommandDefinition("""
                SELECT id, at, actor_user_id AS ActorUserId, actor, action, target, before::text AS Before, after::text AS After, reason
                FROM audit_log WHERE @action::text IS NULL OR action = @action
                ORDER BY id DESC LIMIT @limit OFFSET @offset;
                SELECT count(*) FROM audit_log WHERE @action::text IS NULL OR action = @action;
                """, parameters, cancellationToken: token));
            var rows = await results.ReadAsync<Row>();
            var total = await results.ReadSingleAsync<long>();
            return new Paged<AuditRecord>(
                [.. rows.Select(row => new AuditRecord(row.Id, row.At, row.ActorUserId, row.Actor, row.Action, row.Target,
                    Parse(row.Before), Parse(row.After), row.Reason))],
                page, pageSize, total);
        });

    private static JsonElement? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private sealed record Row(long Id, DateTime At, long? ActorUserId, string Actor, string Action, string Target, string? Before, string? After, string? Reason);
}
