using System.Net;

namespace Bulwark.Lab.Cli;

/// <summary>
/// The lab generates overload on purpose, so by default it may only aim at this machine: a target
/// must be http(s) on a loopback address or "localhost". Anything else needs <c>--allow-remote</c>,
/// a decision someone makes knowingly, not by pasting the wrong URL.
/// </summary>
public static class TargetPolicy
{
    public static bool TryAccept(string? target, bool allowRemote, out Uri? uri, out string? problem)
    {
        uri = null;
        problem = null;
        if (string.IsNullOrWhiteSpace(target)) return true;   // no target: the lab starts its own shop on loopback

        if (!Uri.TryCreate(target, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            problem = $"--target must be an absolute http:// or https:// URL, not '{target}'.";
            return false;
        }
        if (!allowRemote && !IsLoopback(parsed))
        {
            problem = $"--target {parsed.Host} is not a loopback address. The lab overloads its target on purpose; " +
                      "pass --allow-remote if you really mean to load another machine.";
            return false;
        }
        uri = parsed;
        return true;
    }

    /// <summary>
    /// Loopback by address (127.0.0.0/8, ::1) or the name "localhost". Other names are not resolved:
    /// a name that happens to resolve to 127.0.0.1 today may not tomorrow.
    /// </summary>
    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback
        || string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
