using Bulwark.Shop.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Bulwark.Shop.Tests.WaitingRoom;

/// <summary>The storefront in headless Chromium during a sale: it queues on the waiting room's 429, shows the line, and buys or learns it sold out.</summary>
[Collection(WaitingRoomCollection.Name)]
public sealed class WaitingRoomStorefrontTests(WaitingRoomFixture shop)
{
    [Fact]
    public async Task A_shopper_waits_in_line_in_the_browser_and_buys_when_admitted()
    {
        var (saleId, productId) = await shop.UpcomingSaleAsync(stock: 50);
        await using var session = await BrowserSession.StartAsync(shop, productId);
        await QueueAheadAsync(saleId, 30);

        await session.Page.ClickAsync("#checkout");
        await session.Page.WaitForSelectorAsync("#queue:has-text('position 31')");

        shop.Sales.Open(saleId);
        await session.Page.WaitForSelectorAsync("#orders tr:has-text('paid')", new() { Timeout = 30_000 });
        Assert.True(await session.Page.Locator("#queue").IsHiddenAsync());
        Assert.Contains("paid", await session.Page.TextContentAsync("#message"), StringComparison.Ordinal);
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task A_shopper_in_line_sees_sold_out_the_moment_it_is()
    {
        var (saleId, productId) = await shop.UpcomingSaleAsync(stock: 50);
        await using var session = await BrowserSession.StartAsync(shop, productId);
        await QueueAheadAsync(saleId, 3);

        await session.Page.ClickAsync("#checkout");
        await session.Page.WaitForSelectorAsync("#queue:has-text('position 4')");

        shop.Sales.SellOut(saleId);
        // The page polls at pollAfterSeconds (at most MaxPollAfterSeconds, 5 s by default).
        await session.Page.WaitForSelectorAsync("#message:has-text('Sold out')", new() { Timeout = 15_000 });
        Assert.True(await session.Page.Locator("#queue").IsHiddenAsync());
        Assert.Equal(0, await session.Page.Locator("#orders tr:has-text('paid')").CountAsync());
        Assert.Empty(session.Errors);
    }

    private async Task QueueAheadAsync(long saleId, int count)
    {
        foreach (var buyer in await shop.BuyersAsync(count))
        {
            using (buyer)
            {
                (await buyer.PostAsync("/api/waiting-room", System.Net.Http.Json.JsonContent.Create(new { saleId }))).EnsureSuccessStatusCode();
            }
        }
    }

    /// <summary>A browser signed in as a fresh shopper with one unit of the product in the cart.</summary>
    private sealed class BrowserSession : IAsyncDisposable
    {
        private IPlaywright _playwright = null!;
        private IBrowser _browser = null!;

        public IPage Page { get; private set; } = null!;

        public List<string> Errors { get; } = [];

        public static async Task<BrowserSession> StartAsync(WaitingRoomFixture shop, long productId)
        {
            var session = new BrowserSession { _playwright = await Playwright.CreateAsync() };
            session._browser = await HeadlessChromium.LaunchAsync(session._playwright);
            session.Page = await session._browser.NewPageAsync();
            session.Page.PageError += (_, error) => session.Errors.Add(error);

            await session.Page.GotoAsync(shop.BaseAddress.ToString());
            await session.Page.FillAsync("#email", $"queue-{Guid.NewGuid():N}@example.com");
            await session.Page.FillAsync("#password", "a browser passphrase");
            await session.Page.ClickAsync("#register");
            await session.Page.WaitForSelectorAsync("#who:not([hidden])");
            // The sale's product may be on any page of the catalog: put it in the cart through the API, as the page would.
            await session.Page.EvaluateAsync($$"""
                async () => {
                  // A busy test machine may shed the request (503): come back as told, like the tests' own clients.
                  for (let attempt = 0; ; attempt++) {
                    const response = await fetch("/api/cart/items/{{productId}}", { method: "PUT",
                      headers: { "Content-Type": "application/json", Authorization: "Bearer " + sessionStorage.getItem("token") },
                      body: JSON.stringify({ quantity: 1 }) });
                    if (response.ok) return;
                    if (response.status !== 503 || attempt === 30) throw new Error("cart " + response.status);
                    await new Promise(resolve => setTimeout(resolve, 500));
                  }
                }
                """);
            return session;
        }

        public async ValueTask DisposeAsync()
        {
            await _browser.DisposeAsync();
            _playwright.Dispose();
        }
    }
}
