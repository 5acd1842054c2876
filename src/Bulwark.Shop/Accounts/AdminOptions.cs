namespace Bulwark.Shop.Accounts;

/// <summary>
/// The first administrator (section <c>Admin</c>, env <c>Admin__Email</c>/<c>Admin__Password</c>). Both or
/// neither: there is no default admin password.
/// </summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    public string? Email { get; set; }

    public string? Password { get; set; }
}
