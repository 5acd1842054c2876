namespace Bulwark.Shop.Tests.Operations;

/// <summary>
/// Prometheus' programs are requirements of these tests, not options: a missing one fails them with the
/// way to install it, so CI cannot pass without having run them.
/// </summary>
public static class Tools
{
    public static string Locate(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin"))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail($"{program} was not found on PATH. The operations tests need it: install Debian's 'prometheus' package " +
            "(apt-get install prometheus), which .ci/run does on a fresh machine.");
        return "";
    }
}
