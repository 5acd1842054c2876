using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Bulwark.Guard.Edge;

/// <summary>
/// Who a request counts against, known before authentication: the bearer credential it presents, else
/// its remote address. The credential is not verified here (that costs a decryption per request); a
/// forged one only gets a bucket of its own and is refused with 401 after the edge.
/// </summary>
public static class ClientKeys
{
    private const string Bearer = "Bearer ";

    public static string Of(HttpContext context)
    {
        // The header's own string is the key: no copy per request. It cannot collide with an address key.
        var authorization = context.Request.Headers[HeaderNames.Authorization];
        if (authorization.Count == 1 && authorization[0] is { Length: > 7 } credential
            && credential.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return credential;
        }

        return AddressOf(context);
    }

    public static string AddressOf(HttpContext context) =>
        "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
