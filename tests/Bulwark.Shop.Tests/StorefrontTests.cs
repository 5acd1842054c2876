using Bulwark.Shop.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Bulwark.Shop.Tests;

/// <summary>The storefront in a real headless Chromium: a shopper registers, fills a cart, buys, and changes their mind.</summary>
[Collection(ShopCollection.Name)]
public sealed class StorefrontTests(ShopFixture shop)
{
    [Fact]
    public async Task A_shopper_registers_adds_to_cart_checks_out_and_cancels_in_the_browser()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var pageErrors = new List<string>();
        page.PageError += (_, error) => pageErrors.Add(error);

        await page.GotoAsync(shop.BaseAddress.ToString());
        await page.ClickAsync("nav a:has-text('Coffee')");
        // Product names carry their category, so "Coffee" cards also show on the first page: wait for the filter itself.
        await page.WaitForSelectorAsync("#page:has-text('200 products')");
        Assert.Equal(24, await page.Locator("#products .card:has-text('Coffee')").CountAsync());

        await page.FillAsync("#email", $"browser-{Guid.NewGuid():N}@example.com");
        await page.FillAsync("#password", "a browser passphrase");
        await page.ClickAsync("#register");
        await page.WaitForSelectorAsync("#who:not([hidden])");

        await page.Locator("#products .card button").First.ClickAsync();
        await page.WaitForSelectorAsync("#cart tr");
        await page.ClickAsync("#checkout");
        await page.WaitForSelectorAsync("#orders tr:has-text('paid')");
        Assert.Contains("paid", await page.TextContentAsync("#message"), StringComparison.Ordinal);
        Assert.Contains("empty", await page.TextContentAsync("#cartTotal"), StringComparison.Ordinal);

        // Within the cancel window the paid order can be cancelled: refunded, and no longer offered for cancelling.
        await page.ClickAsync("#orders tr:has-text('paid') button.cancel");
        await page.WaitForSelectorAsync("#orders tr:has-text('cancelled')");
        Assert.Contains("cancelled and refunded", await page.TextContentAsync("#message"), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#orders button.cancel").CountAsync());
        Assert.Empty(pageErrors);
    }
}
