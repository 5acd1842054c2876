using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Bulwark.Shop.Audit;

/// <summary>Who did something: the signed-in user, or the shop itself (<see cref="UserId"/> null).</summary>
public sealed record AuditActor(long? UserId, string Name)
{
    public static AuditActor Of(ClaimsPrincipal user) =>
        new(long.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? id : null,
            user.Identity?.Name ?? "unknown");

    public static AuditActor System(string name) => new(null, name);
}

/// <summary>
/// One admin action. <paramref name="Action"/> is <c>area.verb</c> (<c>product.create</c>, <c>stock.adjust</c>,
/// <c>settings.change</c>); <paramref name="Target"/> names what it acted on (<c>product:42</c>);
/// <paramref name="Before"/> and <paramref name="After"/> hold what changed (any JSON-serializable value, null when
/// there was nothing before or after).
/// </summary>
public sealed record AuditEntry(AuditActor Actor, string Action, string Target, object? Before, object? After, string? Reason);

/// <summary>
/// Writes the audit trail: one row per admin action, inside the caller's own transaction, so an action is
/// recorded exactly when it happens — a rolled-back change leaves no entry and a committed one always has one.
/// It takes the caller's connection (already inside the gate) instead of a connection of its own.
/// </summary>
public static class AuditTrail
{
    public static Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, AuditEntry entry, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO audit_log (actor_user_id, actor, action, target, before, after, reason)
            VALUES (@userId, @actor, @action, @target, @before::jsonb, @after::jsonb, @reason)
            """, new
        {
            userId = entry.Actor.UserId,
            actor = entry.Actor.Name,
            action = entry.Action,
            target = entry.Target,
            before = Json(entry.Before),
            after = Json(entry.After),
            reason = entry.Reason,
        }, transaction, cancellationToken: cancellationToken));

    private static string? Json(object? value) => value is null ? null : JsonSerializer.Serialize(value, JsonSerializerOptions.Web);
}
