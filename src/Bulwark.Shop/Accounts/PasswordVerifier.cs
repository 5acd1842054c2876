using Microsoft.AspNetCore.Identity;

namespace Bulwark.Shop.Accounts;

/// <summary>Checks credentials; unknown emails cost the same hashing work as wrong passwords, so timing reveals nothing.</summary>
public sealed class PasswordVerifier(AccountStore accounts, PasswordHashing hashing, IPasswordHasher<ShopUser> hasher)
{
    private readonly string _decoyHash = hasher.HashPassword(new ShopUser(), "decoy password that no account has");

    public async Task<Account?> VerifyAsync(string email, string password, CancellationToken cancellationToken)
    {
        var account = await accounts.FindAsync(email, cancellationToken);
        var result = await hashing.VerifyAsync(account?.PasswordHash ?? _decoyHash, password, cancellationToken);
        if (account is null || result == PasswordVerificationResult.Failed)
        {
            return null;
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await accounts.RehashAsync(account.Id, await hashing.HashAsync(password, cancellationToken), cancellationToken);
        }

        return account;
    }
}
