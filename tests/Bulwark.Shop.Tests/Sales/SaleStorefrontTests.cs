using System.Text.Json;
using Bulwark.Shop.Tests.CatalogAdmin;
using Bulwark.Shop.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Bulwark.Shop.Tests.Sales;

/// <summary>
/// The storefront in headless Chromium shows an open sale's price in the list and on the product page, and not before it
/// opens; refused as busy when adding a sale's item, it queues in the sale's line and adds it with the admission.
/// </summary>
[Collection(CatalogAdminCollection.Name)]
public sealed class SaleStorefrontTests(CatalogAdminFixture catalog)
{
    private ShopFixture Shop => catalog.Shop;

    [Fact]
    public async Task The_list_and_the_product_page_show_the_sale_price_beside_the_regular_one_while_the_sale_is_open()
    {
        using var admin = await catalog.AdminAsync();
        var name = "Storefront sale " + Guid.NewGuid().ToString("N")[..10];
        var product = (await catalog.CreateProductAsync(admin, name, priceCents: 4000, stock: 5)).GetProperty("id").GetInt64();
        var sale = await admin.CreateSaleAsync((product, 1500, 2));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var pageErrors = new List<string>();
        page.PageError += (_, error) => pageErrors.Add(error);
        var card = $"#products .card[data-product='{product}']";

        // Not open yet: the regular price, nothing struck out.
        await FindAsync(page, name, card);
        Assert.Contains("$40.00", await page.TextContentAsync($"{card} .price"), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator($"{card} .sale-price").CountAsync());

        await Shop.OpenSaleAsync(sale.Id());
        using var anonymous = Shop.Client();
        await anonymous.ProductOnceAsync(product, terms => terms.ValueKind == JsonValueKind.Object);

        await FindAsync(page, name, card);
        Assert.Equal("$15.00", await page.TextContentAsync($"{card} .sale-price"));
        Assert.Equal("$40.00", await page.TextContentAsync($"{card} .was"));
        Assert.Contains("2 left at this price", await page.TextContentAsync($"{card} .sale"), StringComparison.Ordinal);
        Assert.Contains(sale.GetProperty("name").GetString()!, await page.TextContentAsync($"{card} .sale"), StringComparison.Ordinal);

        await page.ClickAsync($"{card} h3 a");
        await page.WaitForSelectorAsync($"#detail[data-product='{product}']:not([hidden]) .sale-price");
        Assert.Equal("$15.00", await page.TextContentAsync("#detail .sale-price"));
        Assert.Equal("$40.00", await page.TextContentAsync("#detail .was"));
        Assert.Contains(name, await page.TextContentAsync("#detail h2"), StringComparison.Ordinal);
        Assert.Empty(pageErrors);
    }

    [Fact]
    public async Task A_shopper_whose_add_to_cart_is_shed_during_a_sale_joins_its_line_and_adds_the_item_with_the_admission()
    {
        using var admin = await catalog.AdminAsync();
        var name = "Busy sale " + Guid.NewGuid().ToString("N")[..10];
        var product = (await catalog.CreateProductAsync(admin, name, priceCents: 4000, stock: 5)).GetProperty("id").GetInt64();
        var sale = await admin.CreateSaleAsync((product, 1500, 2));
        await Shop.OpenSaleAsync(sale.Id());
        using var anonymous = Shop.Client();
        await anonymous.ProductOnceAsync(product, terms => terms.ValueKind == JsonValueKind.Object);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var pageErrors = new List<string>();
        page.PageError += (_, error) => pageErrors.Add(error);
        await page.GotoAsync(Shop.BaseAddress.ToString());
        await page.FillAsync("#email", $"busy-{Guid.NewGuid():N}@example.com");
        await page.FillAsync("#password", "a browser passphrase");
        await page.ClickAsync("#register");
        await page.WaitForSelectorAsync("#who:not([hidden])");

        // The edge's shedding is the guard's to test: here the page meets it once, answered as the shop answers it.
        var cartAdmissions = new List<string?>();
        await page.RouteAsync($"**/api/cart/items/{product}", async route =>
        {
            if (route.Request.Method != "PUT")
            {
                await route.ContinueAsync();
                return;
            }

            var admission = (await route.Request.AllHeadersAsync()).GetValueOrDefault("admission");
            lock (cartAdmissions)
            {
                cartAdmissions.Add(admission);
            }

            if (admission is null)
            {
                await route.FulfillAsync(new()
                {
                    Status = 503,
                    ContentType = "application/problem+json",
                    Headers = new Dictionary<string, string> { ["Retry-After"] = "1" },
                    Body = """{"type":"urn:bulwark:problem:overloaded","title":"Busy","status":503,"detail":"The shop is busy; try again shortly."}""",
                });
                return;
            }

            await route.ContinueAsync();
        });
        var checkoutAdmissions = new List<string?>();
        await page.RouteAsync("**/api/checkout", async route =>
        {
            var admission = (await route.Request.AllHeadersAsync()).GetValueOrDefault("admission");
            lock (checkoutAdmissions)
            {
                checkoutAdmissions.Add(admission);
            }

            await route.ContinueAsync();
        });

        var card = $"#products .card[data-product='{product}']";
        await FindAsync(page, name, card);
        await page.ClickAsync($"{card} button:has-text('Add to cart')");
        await page.WaitForSelectorAsync("#message:has-text('It is your turn')", new() { Timeout = 30_000 });
        await page.WaitForSelectorAsync($"#cart:has-text('{name}')");
        // Shed once without an admission, then sent again with the one the line gave.
        Assert.Equal(2, cartAdmissions.Count);
        Assert.Null(cartAdmissions[0]);
        Assert.NotNull(cartAdmissions[1]);

        await page.ClickAsync("#checkout");
        await page.WaitForSelectorAsync("#orders tr:has-text('paid')", new() { Timeout = 30_000 });
        // The checkout spent the same turn: no second wait in line.
        Assert.Equal([cartAdmissions[1]], checkoutAdmissions);
        Assert.Empty(pageErrors);
    }

    /// <summary>Opens the storefront afresh and searches for the product until its card shows.</summary>
    private async Task FindAsync(IPage page, string name, string card)
    {
        await page.GotoAsync(Shop.BaseAddress.ToString());
        await page.FillAsync("#search", name);
        await page.WaitForSelectorAsync(card);
    }
}
