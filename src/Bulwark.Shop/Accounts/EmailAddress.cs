using System.Net.Mail;

namespace Bulwark.Shop.Accounts;

/// <summary>Email checks and the normalized form that makes "Ann@Example.com " and "ann@example.com" one account.</summary>
public static class EmailAddress
{
    public const int MaxLength = 254;

    public static string Normalize(string email) => email.Trim().ToLowerInvariant();

    public static string? Problem(string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return "email is required.";
        }

        var trimmed = email.Trim();
        if (trimmed.Length > MaxLength)
        {
            return $"email must be at most {MaxLength} characters.";
        }

        // MailAddress accepts display-name forms ("Ann <ann@x.org>"); only a bare address is an email here.
        return MailAddress.TryCreate(trimmed, out var parsed) && parsed.Address == trimmed && trimmed.Contains('.', StringComparison.Ordinal)
            ? null
            : "email is not a valid address.";
    }
}
