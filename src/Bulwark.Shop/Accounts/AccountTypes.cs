namespace Bulwark.Shop.Accounts;

public sealed record Credentials(string Email, string Password);

public sealed record AccountCreated(long Id, string Email);

/// <summary>A stored account, as sign-in needs it. Roles come space-separated (Dapper cannot bind text[] to a constructor).</summary>
public sealed record Account(long Id, string Email, string PasswordHash, string RoleList)
{
    public string[] Roles => RoleList.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Marker type for <see cref="Microsoft.AspNetCore.Identity.PasswordHasher{TUser}"/>, which hashes independently of the user.</summary>
public sealed class ShopUser;
