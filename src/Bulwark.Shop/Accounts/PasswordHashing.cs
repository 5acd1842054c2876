using Bulwark.Guard.Bulkheads;
using Bulwark.Guard.Gate;
using Microsoft.AspNetCore.Identity;

namespace Bulwark.Shop.Accounts;

/// <summary>
/// Password hashing behind its own CPU bulkhead: PBKDF2 is deliberately slow, so hashing is the one
/// thing in the shop that can saturate the CPU without touching a connection (incident 3). Sign-up,
/// sign-in and rehash all pass here; the guard's database gate never sees this work.
/// </summary>
public sealed class PasswordHashing(IPasswordHasher<ShopUser> hasher, [FromKeyedServices(PasswordHashing.BulkheadKey)] Bulkhead cpu)
{
    public const string BulkheadKey = "password-hashing";

    public ValueTask<string> HashAsync(string password, CancellationToken cancellationToken) =>
        cpu.RunAsync(Priority.Normal, () => hasher.HashPassword(new ShopUser(), password), cancellationToken);

    public ValueTask<PasswordVerificationResult> VerifyAsync(string hash, string password, CancellationToken cancellationToken) =>
        cpu.RunAsync(Priority.Normal, () => hasher.VerifyHashedPassword(new ShopUser(), hash, password), cancellationToken);
}
