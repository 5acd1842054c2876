using Bulwark.Shop.Operations.Dashboard;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.OpenApi;

namespace Bulwark.Shop.ApiContract;

/// <summary>The ways a caller proves who it is, as named in the document's components.</summary>
public static class SecuritySchemes
{
    /// <summary>The access token from <c>POST /api/sessions</c> (opaque, not a JWT).</summary>
    public const string Bearer = "bearer";

    /// <summary>The <c>/ops</c> dashboard's session cookie, which the admin policy accepts beside the bearer token.</summary>
    public const string OpsCookie = "opsCookie";

    /// <summary>The document's name for an ASP.NET Core authentication scheme.</summary>
    public static string? NameOf(string authenticationScheme) => authenticationScheme switch
    {
        BearerTokenDefaults.AuthenticationScheme => Bearer,
        OpsAuthentication.Scheme => OpsCookie,
        _ => null,
    };

    public static void AddTo(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes.TryAdd(Bearer, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The accessToken answered by POST /api/sessions, valid for expiresIn seconds.",
        });
        document.Components.SecuritySchemes.TryAdd(OpsCookie, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Cookie,
            Name = OpsAuthentication.CookieName,
            Description = "The session cookie set by POST /ops/session (admins only).",
        });
    }
}
