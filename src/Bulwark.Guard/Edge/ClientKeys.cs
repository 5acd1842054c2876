using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Bulwark.Guard.Edge;

/// <summary>Who a request counts against: the signed-in user, else the remote address.</summary>
public static class ClientKeys
{
    public static string Of(HttpContext context)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true
            && (user.Identity.Name ?? user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.FindFirstValue("sub")) is { Length: > 0 } name)
        {
            return "user:" + name;
        }

        return AddressOf(context);
    }

    public static string AddressOf(HttpContext context) =>
        "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
