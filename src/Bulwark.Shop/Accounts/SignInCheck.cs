using System.Globalization;
using System.Security.Claims;
using Bulwark.Guard.Edge;
using Bulwark.Shop.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.Shop.Accounts;

/// <summary>What checking a sign-in came to; both sign-in endpoints (API token, ops cookie) answer from it.</summary>
public abstract record SignInCheck
{
    public sealed record Invalid(ValidationProblem Problem) : SignInCheck;

    /// <summary>Throttled (429) or wrong credentials (401).</summary>
    public sealed record Refused(ProblemHttpResult Problem) : SignInCheck;

    public sealed record Accepted(Account Account) : SignInCheck;
}

/// <summary>
/// Validates credentials, refuses an address or account that has failed too often lately (before any
/// hashing: that refusal is what spares the CPU), verifies the password, and reports a failure to the
/// throttle. Only failures count, so shoppers who type their password right are never throttled. One
/// answer for unknown email and wrong password; an unknown email counts against its (non-)account too.
/// </summary>
public sealed class SignInChecker(PasswordVerifier verifier, LoginThrottle throttle)
{
    public async Task<SignInCheck> CheckAsync(Credentials body, HttpContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(body.Email) || body.Email.Length > EmailAddress.MaxLength)
        {
            return new SignInCheck.Invalid(Problems.Invalid("email", "email is required."));
        }

        if (string.IsNullOrEmpty(body.Password) || body.Password.Length > PasswordPolicy.MaxLength)
        {
            return new SignInCheck.Invalid(Problems.Invalid("password", "password is required."));
        }

        var address = ClientKeys.AddressOf(context);
        var account = EmailAddress.Normalize(body.Email);
        var decision = throttle.Admit(address, account);
        if (decision.Refused)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return new SignInCheck.Refused(TypedResults.Problem(title: "Too many sign-in attempts",
                detail: "Too many failed sign-in attempts from this address or for this account; retry after the given time.",
                statusCode: StatusCodes.Status429TooManyRequests));
        }

        if (await verifier.VerifyAsync(body.Email, body.Password, cancellationToken) is { } verified)
        {
            return new SignInCheck.Accepted(verified);
        }

        // Counted only once the outcome is known: a refusal by the hashing bulkhead or a deadline is no failure.
        throttle.RecordFailure(address, account);
        return new SignInCheck.Refused(TypedResults.Problem(title: "Wrong credentials", detail: "The email or password is not correct.",
            statusCode: StatusCodes.Status401Unauthorized));
    }
}

public static class AccountClaims
{
    /// <summary>The signed-in identity of an account for an authentication scheme: id, email, a new session id, roles.</summary>
    public static ClaimsPrincipal ToPrincipal(this Account account, string scheme) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.NameIdentifier, account.Id.ToString(CultureInfo.InvariantCulture)),
         new Claim(ClaimTypes.Name, account.Email),
         new Claim(SessionClaims.SessionId, SessionClaims.NewSessionId()),
         .. account.Roles.Select(role => new Claim(ClaimTypes.Role, role))],
        scheme));
}
