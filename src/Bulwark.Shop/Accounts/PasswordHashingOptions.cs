using System.ComponentModel.DataAnnotations;

namespace Bulwark.Shop.Accounts;

/// <summary>The CPU budget for password hashing (section <c>PasswordHashing</c>).</summary>
public sealed class PasswordHashingOptions
{
    public const string Section = "PasswordHashing";

    /// <summary>
    /// Hashes (PBKDF2, tens of CPU-milliseconds each) that may run at once; the rest queue by priority
    /// within their deadline or are refused with 503. Default half the cores, at least one, so a
    /// sign-in storm leaves the other half to checkout and PostgreSQL.
    /// </summary>
    [Range(1, 1024)]
    public int Concurrency { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);
}
