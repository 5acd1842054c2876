using System.ComponentModel.DataAnnotations;

namespace Bulwark.Shop.Accounts;

/// <summary>Bearer-token sessions (section <c>Sessions</c>).</summary>
public sealed class SessionOptions
{
    public const string Section = "Sessions";

    /// <summary>How long an access token is accepted after sign-in.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Sign-outs reach the other instances by NOTIFY at once; this is how often each instance also reads
    /// the newest revocations from the table, so one whose notification was lost still lands this soon.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan RevocationCatchUp { get; set; } = TimeSpan.FromSeconds(1);
}
