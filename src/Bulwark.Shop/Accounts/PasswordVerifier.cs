using Microsoft.AspNetCore.Identity;

namespace Bulwark.Shop.Accounts;

/// <summary>Checks credentials; unknown emails cost the same hashing work as wrong passwords, so timing reveals nothing.</summary>
public sealed class PasswordVerifier(AccountStore accounts, IPasswordHasher<ShopUser> hasher)
{
    private readonly string _decoyHash = hasher.HashPassword(new ShopUser(), "decoy password that no account has");

    public async Task<Account?> VerifyAsync(string email, string password, CancellationToken cancellationToken)
    {
        var account = await accounts.FindAsync(email, cancellationToken);
        var result = hasher.VerifyHashedPassword(new ShopUser(), account?.PasswordHash ?? _decoyHash, password);
        if (account is null || result == PasswordVerificationResult.Failed)
        {
            return null;
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await accounts.RehashAsync(account.Id, hasher.HashPassword(new ShopUser(), password), cancellationToken);
        }

        return account;
    }
}
