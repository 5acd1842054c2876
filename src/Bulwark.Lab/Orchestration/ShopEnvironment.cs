namespace Bulwark.Lab.Orchestration;

/// <summary>The environment of every shop process the lab starts, one shop or a cluster's, guarded or naive.</summary>
/// <remarks>
/// Not <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>: it cut a refusal's CPU by about a sixth with the shop alone
/// on a core, but with socket completions run on the one event thread a pinned shop has, the database work stalled
/// (every gate admission missed its deadline, health checks timed out) and the bench could not list the catalog.
/// </remarks>
public static class ShopEnvironment
{
    public static IReadOnlyDictionary<string, string> Variables { get; } = new Dictionary<string, string>
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["DOTNET_NOLOGO"] = "1",
    };
}
