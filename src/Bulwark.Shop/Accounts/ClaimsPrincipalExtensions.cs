using System.Globalization;
using System.Security.Claims;

namespace Bulwark.Shop.Accounts;

public static class ClaimsPrincipalExtensions
{
    /// <summary>The signed-in user's id; endpoints that call this require authorization, so the claim is there.</summary>
    public static long UserId(this ClaimsPrincipal user) =>
        long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? throw new InvalidOperationException("The endpoint was reached without an authenticated user."), CultureInfo.InvariantCulture);
}
