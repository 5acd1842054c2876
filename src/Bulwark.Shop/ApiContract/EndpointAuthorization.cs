using Microsoft.AspNetCore.Authorization;

namespace Bulwark.Shop.ApiContract;

/// <summary>What an endpoint's metadata says about the credentials it needs.</summary>
public static class EndpointAuthorization
{
    public static bool IsRequired(IList<object> metadata) =>
        metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();

    /// <summary>A policy or role beyond "signed in": a signed-in caller may still be refused (403).</summary>
    public static bool MayForbid(IList<object> metadata) =>
        IsRequired(metadata) && metadata.OfType<IAuthorizeData>().Any(data => data.Policy is not null || data.Roles is not null);
}
