using Microsoft.Playwright;

namespace Bulwark.Shop.Tests.Infrastructure;

/// <summary>Debian's Chromium driven by Playwright (its own browser download is not reachable here).</summary>
public static class HeadlessChromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(ExecutablePath), $"Browser tests drive Debian's Chromium at {ExecutablePath}: apt-get install chromium (.ci/run does).");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // No sandbox as root; no background traffic, which this machine's closed network refuses.
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
    }
}
