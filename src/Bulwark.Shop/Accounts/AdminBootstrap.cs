using Bulwark.Guard.Deadlines;
using Bulwark.Shop.Database;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Accounts;

/// <summary>
/// Creates the configured first admin after the migrations, or grants the admin role to that account if it
/// exists already. Runs on every start, so configuring an admin later needs no extra step.
/// </summary>
public sealed class AdminBootstrap(IOptions<AdminOptions> options, AccountStore accounts, IPasswordHasher<ShopUser> hasher,
    TimeProvider clock, ILogger<AdminBootstrap> logger) : IStartupTask
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var admin = options.Value;
        if (string.IsNullOrWhiteSpace(admin.Email) || string.IsNullOrEmpty(admin.Password))
        {
            return;
        }

        using var deadline = RequestDeadline.Set(clock.GetUtcNow() + TimeSpan.FromSeconds(10));
        var created = await accounts.CreateAsync(admin.Email, hasher.HashPassword(new ShopUser(), admin.Password), [AccountsApi.AdminRole], cancellationToken);
        if (created is null)
        {
            await accounts.GrantAsync(admin.Email, AccountsApi.AdminRole, cancellationToken);
            logger.LogInformation("Admin role ensured for existing account {Email}", EmailAddress.Normalize(admin.Email));
        }
        else
        {
            logger.LogInformation("Created the first admin account {Email}", created.Email);
        }
    }
}

/// <summary>Refuses a half-configured admin (one of email or password) at start, and weak admin passwords.</summary>
public sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        var hasEmail = !string.IsNullOrWhiteSpace(options.Email);
        var hasPassword = !string.IsNullOrEmpty(options.Password);
        if (hasEmail != hasPassword)
        {
            return ValidateOptionsResult.Fail("Set both Admin:Email and Admin:Password (env Admin__Email, Admin__Password), or neither.");
        }

        if (!hasEmail)
        {
            return ValidateOptionsResult.Success;
        }

        return (EmailAddress.Problem(options.Email) ?? PasswordPolicy.Problem(options.Password)) is { } problem
            ? ValidateOptionsResult.Fail($"Admin: {problem}")
            : ValidateOptionsResult.Success;
    }
}
