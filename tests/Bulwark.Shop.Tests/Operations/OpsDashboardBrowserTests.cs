using Bulwark.Shop.Tests.Infrastructure;
using System.Globalization;
using Microsoft.Playwright;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>The dashboard in a real headless Chromium: sign in, charts drawn, numbers moving under load.</summary>
[Collection(OperationsCollection.Name)]
public sealed class OpsDashboardBrowserTests(OperationsFixture shop)
{
    [Fact]
    public async Task An_admin_signs_in_and_watches_the_charts_move_under_load()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add(message.Text);
            }
        };
        page.PageError += (_, error) => problems.Add(error);
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                problems.Add($"{response.Status} {response.Url}");
            }
        };

        await page.GotoAsync(new Uri(shop.BaseAddress, "/ops").ToString());
        await page.FillAsync("#email", OperationsFixture.AdminEmail);
        await page.FillAsync("#password", OperationsFixture.AdminPassword);
        await page.ClickAsync("#signin-submit");

        // Signed in, the page reloads as the dashboard: eight uPlot charts (the last the waiting rooms), each on a canvas.
        await page.WaitForSelectorAsync("#chart-rooms canvas");
        Assert.Equal(8, await page.Locator(".chart canvas").CountAsync());
        await WaitForTextAsync(page, "#updated", text => text.StartsWith("updated", StringComparison.Ordinal));
        Assert.Contains("Alerting lives in Prometheus", await page.TextContentAsync("#alerts-note"), StringComparison.Ordinal);
        await WaitForTextAsync(page, "#tile-ready", text => text == "yes");
        await WaitForTextAsync(page, "#tile-payments", text => text == "flowing");

        // Browse traffic: the requests-per-second tile must leave zero while it lasts.
        using var load = new CancellationTokenSource();
        var traffic = Task.WhenAll(Enumerable.Range(0, 4).Select(worker => BrowseAsync(worker, load.Token)));
        var idle = await page.TextContentAsync("#tile-requests");
        await WaitForTextAsync(page, "#tile-requests", text => double.TryParse(text, CultureInfo.InvariantCulture, out var perSecond) && perSecond > 0);
        var latency = await page.TextContentAsync("#tile-p99");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "ops-dashboard.png"), FullPage = true });
        await load.CancelAsync();
        await traffic;

        Assert.Equal("0.0", idle); // nothing else runs in this collection meanwhile: the page showed the quiet, then the load
        Assert.EndsWith(" ms", latency);
        Assert.True(problems.Count == 0, "The page reported errors:\n" + string.Join('\n', problems));
    }

    /// <summary>
    /// Polls an element's text from the test side: the page's Content-Security-Policy forbids the string
    /// evaluation that Playwright's WaitForFunction would inject, and the test must not weaken it.
    /// </summary>
    private static async Task WaitForTextAsync(IPage page, string selector, Func<string, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        string? text;
        while (!condition(text = await page.TextContentAsync(selector) ?? ""))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{selector} still reads '{text}' after 15 s.");
            await Task.Delay(100);
        }
    }

    /// <summary>About ten requests a second per worker: load, but under the per-client rate limit (50/s), so it is served.</summary>
    private async Task BrowseAsync(int worker, CancellationToken stop)
    {
        using var client = shop.Client();
        try
        {
            for (var page = 1 + worker; !stop.IsCancellationRequested; page += 4)
            {
                using var response = await client.GetAsync($"/api/products?page={page % 50 + 1}", stop);
                await Task.Delay(100, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
