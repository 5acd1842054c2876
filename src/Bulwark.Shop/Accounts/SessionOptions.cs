using System.ComponentModel.DataAnnotations;

namespace Bulwark.Shop.Accounts;

/// <summary>Bearer-token sessions (section <c>Sessions</c>).</summary>
public sealed class SessionOptions
{
    public const string Section = "Sessions";

    /// <summary>How long an access token is accepted after sign-in.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);
}
