using Bulwark.Guard.Bulkheads;
using Bulwark.Guard.DependencyInjection;
using Bulwark.Guard.Edge;
using System.Security.Claims;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Database;
using Bulwark.Shop.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authorization;
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
        builder.Services.AddOptions<PasswordHashingOptions>().BindConfiguration(PasswordHashingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddKeyedSingleton(PasswordHashing.BulkheadKey, (services, _) =>
        {
            var hashing = services.GetRequiredService<IOptions<PasswordHashingOptions>>().Value;
            var naive = services.GetRequiredService<IOptions<GuardOptions>>().Value.Mode == GuardMode.Off;
            var clock = services.GetRequiredService<TimeProvider>();
            // Hashing (normal priority) yields the CPU only to checkouts that are there to want it: see CpuContention.
            var contention = services.GetRequiredService<CpuContention>();
            var cycle = new DutyCycle(hashing.CpuShare * Environment.ProcessorCount, hashing.Burst, clock,
                () => contention.ShortFor(Priority.Normal, hashing.ContendedAbove), ThreadCpuTime.Current);
            return new Bulkhead(PasswordHashing.BulkheadKey, naive ? null : hashing.Concurrency, clock, TimeSpan.FromSeconds(10),
                hashing.DeadlineReserve, cycle);
        });
        builder.Services.AddSingleton<PasswordHashing>();
        builder.Services.AddSingleton<AccountStore>();
        builder.Services.AddSingleton<PasswordVerifier>();
        builder.Services.AddSingleton<SignInChecker>();
        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AdminOptions>, AdminOptionsValidator>();
        builder.Services.AddSingleton<IStartupTask, AdminBootstrap>();
        builder.Services.AddSingleton<SessionRevocations>();
        builder.Services.AddSingleton<IDatabaseNotificationHandler>(services => services.GetRequiredService<SessionRevocations>());
        builder.Services.AddAuthentication(BearerTokenDefaults.AuthenticationScheme).AddBearerToken();
        builder.Services.AddOptions<BearerTokenOptions>(BearerTokenDefaults.AuthenticationScheme)
            .Configure<IOptions<SessionOptions>>((bearer, sessions) => bearer.BearerTokenExpiration = sessions.Value.Lifetime)
            // After the framework's own Configure has set the data-protection format: each token is read once (CachedTicketFormat),
            // and sign-out is checked around that on every request.
            .PostConfigure<SessionRevocations, TimeProvider>((bearer, revocations, clock) =>
                bearer.BearerTokenProtector = new RevocableTicketFormat(new CachedTicketFormat(bearer.BearerTokenProtector, clock), revocations));
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminRole, policy => policy.RequireRole(AdminRole));
    }

    public static void MapAccountsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api").WithTags("Accounts");
        api.MapPost("/accounts", CreateAccount).WithPriority(Priority.Normal)
            .WithSummary("Register an account")
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/sessions", CreateSession).WithPriority(Priority.Normal).WithLoginThrottle()
            .WithSummary("Sign in: answers a bearer access token")
            // SignIn hands the answer to the bearer token handler, which writes the token as JSON.
            .Produces<AccessTokenResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapDelete("/sessions/current", SignOut).WithPriority(Priority.Normal)
            .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = BearerTokenDefaults.AuthenticationScheme })
            .WithSummary("Sign out: the token stops working on every instance within a second")
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static async Task<Results<Created<AccountCreated>, ValidationProblem, ProblemHttpResult>> CreateAccount(
        Credentials body, AccountStore accounts, PasswordHashing hashing, CancellationToken cancellationToken)
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
        var hash = await hashing.HashAsync(body.Password, cancellationToken);
        var created = await accounts.CreateAsync(body.Email, hash, [], cancellationToken);
        return created is null
            ? Problems.Conflict("Email already registered", $"An account for {EmailAddress.Normalize(body.Email)} already exists.")
            : TypedResults.Created($"/api/accounts/{created.Id}", created);
    }

    /// <summary>Revokes the bearer token of this request on every instance (204); the same token is 401 from then on.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> SignOut(HttpContext context, SessionRevocations revocations,
        IOptions<SessionOptions> sessions, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (context.User.FindFirstValue(SessionClaims.SessionId) is not { } sessionId)
        {
            return TypedResults.Problem(title: "Session cannot be signed out",
                detail: "This token was issued before sign-out existed and names no session; it expires by itself. Sign in again for a token that can be revoked.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        // Kept until the token would have expired anyway; the lifetime bounds it when the ticket does not say.
        var ticket = await context.AuthenticateAsync(BearerTokenDefaults.AuthenticationScheme);
        var expiresAt = ticket.Properties?.ExpiresUtc ?? clock.GetUtcNow() + sessions.Value.Lifetime;
        await revocations.RevokeAsync(sessionId, expiresAt, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<SignInHttpResult, ValidationProblem, ProblemHttpResult>> CreateSession(
        Credentials body, SignInChecker signIn, HttpContext context, CancellationToken cancellationToken) =>
        await signIn.CheckAsync(body, context, cancellationToken) switch
        {
            SignInCheck.Invalid invalid => invalid.Problem,
            SignInCheck.Refused refused => refused.Problem,
            SignInCheck.Accepted accepted => TypedResults.SignIn(accepted.Account.ToPrincipal(BearerTokenDefaults.AuthenticationScheme),
                authenticationScheme: BearerTokenDefaults.AuthenticationScheme),
            var other => throw new InvalidOperationException($"Unhandled sign-in check {other}."),
        };
}
