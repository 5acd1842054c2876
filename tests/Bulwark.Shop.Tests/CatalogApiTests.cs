using System.Net;
using System.Net.Http.Json;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests;

[Collection(ShopCollection.Name)]
public sealed class CatalogApiTests(ShopFixture shop)
{
    [Fact]
    public async Task Catalog_is_seeded_with_10000_products_in_50_categories_deterministically()
    {
        using var client = shop.Client();
        var categories = await client.GetFromJsonAsync<List<Category>>("/api/categories");
        Assert.Equal(50, categories!.Count);
        Assert.All(categories, category => Assert.Equal(200, category.ProductCount));
        Assert.Equal("Audio", categories[0].Name);

        var page = await client.GetFromJsonAsync<Paged<Product>>("/api/products");
        Assert.Equal(10_000, page!.Total);
        Assert.Equal(20, page.Items.Count);
        Assert.Equal(1, page.Page);
        var first = page.Items[0];
        Assert.Equal(1, first.Id);
        Assert.Equal("SKU-00001", first.Sku);
        Assert.Equal(199 + 7919 % 49800, first.PriceCents);
    }

    [Fact]
    public async Task Products_filter_by_category_and_page()
    {
        using var client = shop.Client();
        var page = await client.GetFromJsonAsync<Paged<Product>>("/api/products?category=7&page=2&pageSize=50");
        Assert.Equal(200, page!.Total);
        Assert.Equal(50, page.Items.Count);
        Assert.All(page.Items, product => Assert.Equal(7, product.CategoryId));
        Assert.Equal(2, page.Page);
        Assert.True(page.Items.Zip(page.Items.Skip(1)).All(pair => pair.First.Id < pair.Second.Id));
    }

    [Fact]
    public async Task Products_search_by_name_case_insensitively()
    {
        using var client = shop.Client();
        var page = await client.GetFromJsonAsync<Paged<Product>>("/api/products?q=ITEM%201234");
        Assert.Contains(page!.Items, product => product.Id == 1234);
        Assert.All(page.Items, product => Assert.Contains("item 1234", product.Name, StringComparison.OrdinalIgnoreCase));

        var none = await client.GetFromJsonAsync<Paged<Product>>("/api/products?q=%25_%5C");
        Assert.Equal(0, none!.Total);
    }

    [Fact]
    public async Task Product_by_id_or_404()
    {
        using var client = shop.Client();
        var product = await client.GetFromJsonAsync<Product>("/api/products/42");
        Assert.Equal(42, product!.Id);
        Assert.False(string.IsNullOrEmpty(product.Category));

        await (await client.GetAsync("/api/products/10001")).AssertProblemAsync(HttpStatusCode.NotFound, "10001");
        await (await client.GetAsync("/api/products/abc")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/api/products?pageSize=101", "pageSize")]
    [InlineData("/api/products?pageSize=0", "pageSize")]
    [InlineData("/api/products?page=0", "page")]
    [InlineData("/api/products?page=abc", "page")]
    [InlineData("/api/products?category=999", "category")]
    [InlineData("/api/products?category=x", "category")]
    public async Task Bad_catalog_queries_are_400_problems_naming_the_parameter(string url, string parameter)
    {
        using var client = shop.Client();
        await (await client.GetAsync(url)).AssertProblemAsync(HttpStatusCode.BadRequest, parameter);
    }

    [Fact]
    public async Task Overlong_search_is_refused()
    {
        using var client = shop.Client();
        await (await client.GetAsync("/api/products?q=" + new string('a', 101))).AssertProblemAsync(HttpStatusCode.BadRequest, "q");
    }
}
