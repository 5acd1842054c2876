using System.Text.Json.Nodes;
using Bulwark.Lab.Shop;

namespace Bulwark.Lab.Orchestration;

/// <summary>A guard configuration to deploy through the admin API, as incident 4's bad deploy did.</summary>
/// <remarks><see cref="InitialLimit"/> keeps the change self-consistent (a start limit above the new ceiling would be refused for that alone).</remarks>
public sealed record GuardConfigChange(int Floor, int Ceiling, string? Algorithm, string Reason, int? InitialLimit = null);

/// <summary>The operator's side of the shop: sign in as the admin the shop created at start, change runtime settings.</summary>
public sealed class AdminSession(ShopApi api, string token)
{
    public static async Task<AdminSession> SignInAsync(ShopApi api, string email, string password, TimeProvider time, CancellationToken ct)
    {
        var answer = await ShopFixture.Patiently(() => api.SignInAsync(email, password, ct), time, ct);
        if (!answer.IsSuccess) throw new InvalidOperationException($"Admin sign-in failed: {answer.Describe()}");
        var token = answer.Json().Property("accessToken").Text() ?? throw new InvalidOperationException("Admin sign-in answered without a token.");
        return new AdminSession(api, token);
    }

    /// <summary>
    /// Reads the current settings, changes only the guard's floor, ceiling (and algorithm if given),
    /// and PUTs them back; returns what the shop said, accepted or refused, for the report.
    /// </summary>
    public async Task<(bool Accepted, string Outcome)> DeployAsync(GuardConfigChange change, CancellationToken ct)
    {
        var current = await api.GetAdminConfigAsync(token, ct);
        if (!current.IsSuccess) return (false, $"could not read the configuration: {current.Describe()}");

        var config = JsonNode.Parse(current.Body)?.AsObject() ?? throw new InvalidOperationException("GET /api/admin/config answered an empty body.");
        var settings = config["settings"]?.AsObject() ?? [];
        var guard = settings["guard"]?.AsObject() ?? [];
        guard["floor"] = change.Floor;
        guard["ceiling"] = change.Ceiling;
        if (change.Algorithm is not null) guard["algorithm"] = change.Algorithm;
        if (change.InitialLimit is { } initial) guard["initialLimit"] = initial;
        settings["guard"] = guard.DeepClone();
        var body = new JsonObject { ["settings"] = settings.DeepClone(), ["reason"] = change.Reason };

        var answer = await api.PutAdminConfigAsync(token, body, ct);
        if (answer.IsSuccess)
        {
            var version = JsonNode.Parse(answer.Body)?["version"]?.ToString() ?? "?";
            return (true, $"accepted as version {version}");
        }
        return (false, $"refused: {answer.Describe()}");
    }
}
