using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Hosting;

/// <summary>
/// The proxies whose <c>X-Forwarded-For</c> the shop believes (section <c>Proxy</c>). Behind nginx every
/// client arrives from nginx's address, so per-client rate limits and sign-in throttles would hit all
/// shoppers at once; with nginx listed here they key on the client's own address instead. Nobody is
/// trusted by default: a header from an unlisted peer is ignored, or any client could pick its own key.
/// </summary>
public sealed class ProxyOptions
{
    public const string Section = "Proxy";

    /// <summary>Addresses (<c>10.0.0.5</c>) or networks (<c>10.0.0.0/8</c>) of the reverse proxies in front of the shop.</summary>
    public List<string> TrustedProxies { get; set; } = [];
}

public static class TrustedProxies
{
    public static void AddTrustedProxies(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ProxyOptions>().BindConfiguration(ProxyOptions.Section)
            .Validate(options => options.TrustedProxies.All(entry => System.Net.IPNetwork.TryParse(Normalize(entry), out _)),
                $"{ProxyOptions.Section}:TrustedProxies must list IP addresses or networks in CIDR form (e.g. 127.0.0.1, 10.0.0.0/8).")
            .ValidateOnStart();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((forwarded, proxies) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // ASP.NET Core trusts loopback by default; here only what the operator lists.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var entry in proxies.Value.TrustedProxies)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(Normalize(entry)));
            }
        });
    }

    /// <summary>First in the pipeline, so the edge's per-client limits already see the client's address.</summary>
    public static void UseTrustedProxies(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }
    }

    /// <summary>A bare address is a network of one.</summary>
    private static string Normalize(string entry) =>
        entry.Contains('/', StringComparison.Ordinal) || !IPAddress.TryParse(entry, out var address)
            ? entry.Trim()
            : $"{address}/{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32)}";
}
