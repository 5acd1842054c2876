using System.Text.RegularExpressions;
using Bulwark.Shop.ApiContract;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Bulwark.Shop.Tests.ApiContract;

/// <summary>The API reference at /docs works offline: its page and the script bundled with Scalar come from the shop.</summary>
[Collection(ShopCollection.Name)]
public sealed partial class ApiReferenceTests(ShopFixture shop)
{
    [Fact]
    public async Task The_reference_page_and_every_script_it_loads_are_served_by_the_shop()
    {
        using var client = shop.Client();

        using var page = await client.GetAsync(ApiContractRegistration.ReferencePath);
        Assert.Equal(200, (int)page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();

        var sources = ScriptSource().Matches(html).Select(match => match.Groups["src"].Value).ToList();
        Assert.Contains("scalar.js", sources);
        foreach (var source in sources)
        {
            Assert.False(source.Contains("//", StringComparison.Ordinal), $"/docs loads {source} from elsewhere");
            using var script = await client.GetAsync(new Uri(page.RequestMessage!.RequestUri!, source));
            Assert.True(script.IsSuccessStatusCode, $"{source}: {(int)script.StatusCode}");
            Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
            Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 0, $"{source} is empty");
        }
    }

    [Fact]
    public async Task The_reference_renders_the_contract_in_a_browser_without_fetching_anything_from_elsewhere()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var elsewhere = new List<string>();
        var pageErrors = new List<string>();
        page.PageError += (_, error) => pageErrors.Add(error);
        await page.RouteAsync("**/*", async route =>
        {
            if (new Uri(route.Request.Url) is { Scheme: "http" or "https" } url && url.Authority != shop.BaseAddress.Authority)
            {
                elsewhere.Add(route.Request.Url);
                await route.AbortAsync();
                return;
            }

            await route.ContinueAsync();
        });

        // What the shop answered the page with, for a failure's message: on a machine that every test assembly keeps
        // busy, the shop may shed the document with an honest 503 (a CI run: the reference never rendered in 30 s).
        var refused = new List<string>();
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                refused.Add($"{response.Status} {response.Url}");
            }
        };

        // Scalar has fetched /openapi/v1.json and rendered it: the first operation's summary is on the page. A page whose
        // document was shed is loaded again, as a reader would.
        var rendered = false;
        for (var attempt = 0; attempt < 3 && !rendered; attempt++)
        {
            var shedBefore = refused.Count(answer => answer.StartsWith("503 ", StringComparison.Ordinal));
            // Only the load that rendered must be free of page errors: one whose document was shed has its own.
            pageErrors.Clear();
            await page.GotoAsync(new Uri(shop.BaseAddress, ApiContractRegistration.ReferencePath).ToString());
            try
            {
                await page.GetByText("Search and page through the catalog").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
                rendered = true;
            }
            catch (TimeoutException) when (refused.Count(answer => answer.StartsWith("503 ", StringComparison.Ordinal)) > shedBefore)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }

        Assert.True(rendered, $"the reference did not render; the shop answered: {string.Join("; ", refused)}");
        Assert.Empty(elsewhere);
        Assert.Empty(pageErrors);
    }

    [Fact]
    public void The_contract_endpoints_are_kept_off_the_database_queue_and_out_of_the_request_metrics()
    {
        var contract = shop.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(endpoint => ServedDocument.PathOf(endpoint) is var path
                && (path == ServedDocument.Path || path == ApiContractRegistration.ReferencePath || path.StartsWith(ApiContractRegistration.ReferencePath + "/", StringComparison.Ordinal)))
            .ToList();

        Assert.Contains(contract, endpoint => ServedDocument.PathOf(endpoint) == ServedDocument.Path);
        Assert.Contains(contract, endpoint => ServedDocument.PathOf(endpoint).StartsWith(ApiContractRegistration.ReferencePath, StringComparison.Ordinal));
        Assert.All(contract, endpoint =>
        {
            Assert.NotNull(endpoint.Metadata.GetMetadata<DeferredSheddingMetadata>());
            Assert.Equal(Priority.Sheddable, endpoint.Metadata.GetMetadata<PriorityMetadata>()?.Priority);
            Assert.NotNull(endpoint.Metadata.GetMetadata<IDisableHttpMetricsMetadata>());
        });
    }

    [GeneratedRegex("""<script[^>]*\ssrc="(?<src>[^"]+)"[^>]*>""")]
    private static partial Regex ScriptSource();
}
