using System.Collections.Frozen;

namespace Bulwark.Shop.Operations.Dashboard;

/// <summary>
/// The dashboard's files, embedded in the assembly so the page works offline and ships with the binary:
/// its own HTML, script and style, and the chart library the build fetched from npm.
/// </summary>
public static class OpsAssets
{
    private const string Prefix = "ops/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        ["ops.js"] = "text/javascript; charset=utf-8",
        ["orders.js"] = "text/javascript; charset=utf-8",
        ["ops.css"] = "text/css; charset=utf-8",
        ["uPlot.iife.min.js"] = "text/javascript; charset=utf-8",
        ["uPlot.min.css"] = "text/css; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly Lazy<FrozenDictionary<string, byte[]>> Files = new(Load);

    public static string DashboardPage => Text("dashboard.html");

    public static string SignInPage => Text("signin.html");

    /// <summary>A file the pages link to, or null when there is no such file (names outside the list are never served).</summary>
    public static (byte[] Content, string ContentType)? Find(string name) =>
        ContentTypes.TryGetValue(name, out var contentType) && Files.Value.TryGetValue(name, out var content)
            ? (content, contentType)
            : null;

    private static string Text(string name) =>
        System.Text.Encoding.UTF8.GetString(Files.Value.TryGetValue(name, out var content)
            ? content
            : throw new InvalidOperationException($"The dashboard file {name} is not embedded in the build."));

    private static FrozenDictionary<string, byte[]> Load()
    {
        var assembly = typeof(OpsAssets).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(name => name.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[resource[Prefix.Length..]] = copy.ToArray();
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
