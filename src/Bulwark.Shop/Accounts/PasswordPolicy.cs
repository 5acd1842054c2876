namespace Bulwark.Shop.Accounts;

/// <summary>Length is what makes a password strong; composition rules mostly make it hard to remember (NIST SP 800-63B).</summary>
public static class PasswordPolicy
{
    public const int MinLength = 12;
    public const int MaxLength = 128;

    public static string? Problem(string? password) => password switch
    {
        null or "" => "password is required.",
        { Length: < MinLength } => $"password must be at least {MinLength} characters.",
        { Length: > MaxLength } => $"password must be at most {MaxLength} characters.",
        _ when password.Distinct().Count() < 4 => "password is too repetitive.",
        _ => null,
    };
}
