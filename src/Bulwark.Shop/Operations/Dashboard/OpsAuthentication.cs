using Bulwark.Shop.Accounts;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Operations.Dashboard;

/// <summary>
/// A browser cannot send a bearer header when it navigates, so the dashboard signs admins in with a
/// cookie. The cookie is strictly same-site (a page elsewhere cannot make the browser use it) and
/// HTTP-only; the admin policy accepts it beside the bearer token.
/// </summary>
public static class OpsAuthentication
{
    public const string Scheme = "OpsCookie";

    public const string CookieName = "bulwark_ops";

    public static void AddOpsAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication().AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.SlidingExpiration = true;

            // An API answers with a status, not a redirect to a login page that does not exist.
            cookie.Events.OnRedirectToLogin = context =>
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            };
            cookie.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });

        // A dashboard session lasts as long as an API session does.
        builder.Services.AddOptions<CookieAuthenticationOptions>(Scheme)
            .Configure<IOptions<Accounts.SessionOptions>>((cookie, sessions) => cookie.ExpireTimeSpan = sessions.Value.Lifetime);

        // After every Configure, so whatever the accounts feature put in the admin policy is kept.
        builder.Services.PostConfigure<AuthorizationOptions>(authorization =>
        {
            var admin = new AuthorizationPolicyBuilder(BearerTokenDefaults.AuthenticationScheme, Scheme);
            if (authorization.GetPolicy(AccountsApi.AdminRole) is { } existing)
            {
                admin.Combine(existing);
            }
            else
            {
                admin.RequireRole(AccountsApi.AdminRole);
            }

            authorization.AddPolicy(AccountsApi.AdminRole, admin.Build());
        });
    }
}
