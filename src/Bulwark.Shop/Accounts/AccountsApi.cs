using Bulwark.Guard.Edge;
using System.Security.Claims;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Database;
using Bulwark.Shop.Errors;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Accounts;

public static class AccountsApi
{
    public const string AdminRole = "admin";

    public static void AddAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SessionOptions>().BindConfiguration(SessionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IPasswordHasher<ShopUser>, PasswordHasher<ShopUser>>();
        builder.Services.AddSingleton<AccountStore>();
        builder.Services.AddSingleton<PasswordVerifier>();
        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AdminOptions>, AdminOptionsValidator>();
        builder.Services.AddSingleton<IStartupTask, AdminBootstrap>();
        builder.Services.AddAuthentication(BearerTokenDefaults.AuthenticationScheme).AddBearerToken();
        builder.Services.AddOptions<BearerTokenOptions>(BearerTokenDefaults.AuthenticationScheme)
            .Configure<IOptions<SessionOptions>>((bearer, sessions) => bearer.BearerTokenExpiration = sessions.Value.Lifetime);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminRole, policy => policy.RequireRole(AdminRole));
    }

    public static void MapAccountsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api").WithTags("Accounts");
        api.MapPost("/accounts", CreateAccount).WithPriority(Priority.Normal);
        api.MapPost("/sessions", CreateSession).WithPriority(Priority.Normal).WithLoginThrottle();
    }

    private static async Task<Results<Created<AccountCreated>, ValidationProblem, ProblemHttpResult>> CreateAccount(
        Credentials body, AccountStore accounts, IPasswordHasher<ShopUser> hasher, CancellationToken cancellationToken)
    {
        if (EmailAddress.Problem(body.Email) is { } emailProblem)
        {
            return Problems.Invalid("email", emailProblem);
        }

        if (PasswordPolicy.Problem(body.Password) is { } passwordProblem)
        {
            return Problems.Invalid("password", passwordProblem);
        }

        // Hash before asking for a connection: PBKDF2 is deliberately slow and must not hold one.
        var hash = hasher.HashPassword(new ShopUser(), body.Password);
        var created = await accounts.CreateAsync(body.Email, hash, [], cancellationToken);
        return created is null
            ? Problems.Conflict("Email already registered", $"An account for {EmailAddress.Normalize(body.Email)} already exists.")
            : TypedResults.Created($"/api/accounts/{created.Id}", created);
    }

    private static async Task<Results<SignInHttpResult, ValidationProblem, ProblemHttpResult>> CreateSession(
        Credentials body, PasswordVerifier verifier, LoginThrottle throttle, HttpContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(body.Email) || body.Email.Length > EmailAddress.MaxLength)
        {
            return Problems.Invalid("email", "email is required.");
        }

        if (string.IsNullOrEmpty(body.Password) || body.Password.Length > PasswordPolicy.MaxLength)
        {
            return Problems.Invalid("password", "password is required.");
        }

        // Per account, against guessing one account's password from many addresses (the edge limits per address).
        var decision = throttle.Attempt(EmailAddress.Normalize(body.Email));
        if (decision.Refused)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(title: "Too many sign-in attempts", detail: "Too many sign-in attempts for this account; retry after the given time.",
                statusCode: StatusCodes.Status429TooManyRequests);
        }

        var account = await verifier.VerifyAsync(body.Email, body.Password, cancellationToken);
        if (account is null)
        {
            // One answer for unknown email and wrong password, so the API does not tell which emails exist.
            return TypedResults.Problem(title: "Wrong credentials", detail: "The email or password is not correct.",
                statusCode: StatusCodes.Status401Unauthorized);
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, account.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
             new Claim(ClaimTypes.Name, account.Email),
             .. account.Roles.Select(role => new Claim(ClaimTypes.Role, role))],
            BearerTokenDefaults.AuthenticationScheme);
        return TypedResults.SignIn(new ClaimsPrincipal(identity), authenticationScheme: BearerTokenDefaults.AuthenticationScheme);
    }
}
