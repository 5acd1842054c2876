using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.Tests.Orders;
using Microsoft.Playwright;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>The dashboard's orders panel in a real headless Chromium: an operator finds a customer's order and refunds it.</summary>
[Collection(OperationsCollection.Name)]
public sealed class OpsOrdersBrowserTests(OperationsFixture shop)
{
    [Fact]
    public async Task An_admin_finds_an_order_on_the_dashboard_and_refunds_it()
    {
        var (_, token) = await shop.NewUserAsync();
        using var buyer = shop.Client(token);
        var orderId = await buyer.PaidOrderAsync(productId: 4242, quantity: 2);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var problems = new List<string>();
        page.PageError += (_, error) => problems.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add(message.Text);
            }
        };

        await page.GotoAsync(new Uri(shop.BaseAddress, "/ops").ToString());
        await page.FillAsync("#email", OperationsFixture.AdminEmail);
        await page.FillAsync("#password", OperationsFixture.AdminPassword);
        await page.ClickAsync("#signin-submit");

        // The latest paid orders include it; then the operator looks it up by id.
        await page.SelectOptionAsync("#order-status", "paid");
        await page.ClickAsync("#order-search button[type=submit]");
        await page.WaitForSelectorAsync($"#order-results tr[data-order='{orderId}']");
        await page.FillAsync("#order-query", orderId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("#order-search button[type=submit]");
        await page.WaitForSelectorAsync($"#order-results tr[data-order='{orderId}']:has-text('paid')");
        Assert.Equal(1, await page.Locator("#order-results tbody tr").CountAsync());

        await page.ClickAsync($"#order-results tr[data-order='{orderId}'] button.refund");
        await page.FillAsync("#refund-reason", "parcel lost by the carrier");
        await page.ClickAsync("#refund-submit");

        await page.WaitForSelectorAsync($"#order-results tr[data-order='{orderId}']:has-text('refunded')");
        Assert.Contains("refunded", await page.TextContentAsync("#order-message"), StringComparison.Ordinal);
        Assert.Contains("parcel lost by the carrier", await page.TextContentAsync($"#order-results tr[data-order='{orderId}']"), StringComparison.Ordinal);
        Assert.True(await page.Locator("#order-refund").IsHiddenAsync());
        Assert.Equal("refunded", await OrderSteps.OrderStatusOfAsync(await buyer.GetAsync($"/api/orders/{orderId}")));
        Assert.True(problems.Count == 0, "The page reported errors:\n" + string.Join('\n', problems));
    }
}
