using System.ComponentModel.DataAnnotations;

namespace Bulwark.Shop.RuntimeSettings;

/// <summary>How instances learn of new settings (section <c>RuntimeSettings</c>).</summary>
public sealed class RuntimeSettingsOptions
{
    public const string Section = "RuntimeSettings";

    /// <summary>
    /// Instances are told of a change at once by LISTEN/NOTIFY; this poll is the safety net for a notification
    /// lost while the listening connection was down.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
}
