using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.CatalogAdmin;

[Collection(CatalogAdminCollection.Name)]
public sealed class CatalogAdminApiTests(CatalogAdminFixture catalog)
{
    private ShopFixture Shop => catalog.Shop;

    [Fact]
    public async Task An_admin_adds_a_product_that_the_catalog_then_shows_and_a_second_with_its_SKU_is_409()
    {
        using var admin = await catalog.AdminAsync();
        var sku = catalog.NextSku();
        var response = await admin.PostAsJsonAsync("/api/admin/products",
            new { sku, name = "Harbour Lantern", description = "A brass lantern for the quay.", categoryId = 30, priceCents = 4599, stock = 12 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<Product>())!;
        Assert.Equal(new Uri($"/api/products/{created.Id}", UriKind.Relative), response.Headers.Location);
        Assert.Equal((sku, "Harbour Lantern", 30, "Lamps", 4599L, 12), (created.Sku, created.Name, created.CategoryId, created.Category, created.PriceCents, created.Stock));

        using var anonymous = Shop.Client();
        Assert.Equal(created, await anonymous.GetFromJsonAsync<Product>($"/api/products/{created.Id}"));
        var lamps = await anonymous.GetFromJsonAsync<Paged<Product>>("/api/products?category=30&pageSize=100&page=3");
        Assert.Contains(lamps!.Items, product => product.Id == created.Id);

        var again = await admin.PostAsJsonAsync("/api/admin/products",
            new { sku, name = "Another", description = "", categoryId = 30, priceCents = 100, stock = 1 });
        var problem = await again.AssertProblemAsync(HttpStatusCode.Conflict, sku);
        Assert.Equal("sku", problem.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("""{"name": "x", "categoryId": 1, "priceCents": 100, "stock": 1}""", "sku")]
    [InlineData("""{"sku": "has space", "name": "x", "categoryId": 1, "priceCents": 100, "stock": 1}""", "sku")]
    [InlineData("""{"sku": "OK-1", "name": " ", "categoryId": 1, "priceCents": 100, "stock": 1}""", "name")]
    [InlineData("""{"sku": "OK-1", "name": "nul\u0000", "categoryId": 1, "priceCents": 100, "stock": 1}""", "name")]
    [InlineData("""{"sku": "OK-1", "name": "x", "priceCents": 100, "stock": 1}""", "categoryId")]
    [InlineData("""{"sku": "OK-1", "name": "x", "categoryId": 99999, "priceCents": 100, "stock": 1}""", "categoryId")]
    [InlineData("""{"sku": "OK-1", "name": "x", "categoryId": 1, "priceCents": 0, "stock": 1}""", "priceCents")]
    [InlineData("""{"sku": "OK-1", "name": "x", "categoryId": 1, "priceCents": 100, "stock": -1}""", "stock")]
    [InlineData("""{"sku": "OK-1", "name": "x", "categoryId": 1, "priceCents": 100}""", "stock")]
    public async Task A_product_with_a_bad_field_is_refused_with_a_problem_naming_the_field_and_nothing_is_added(string body, string field)
    {
        using var admin = await catalog.AdminAsync();
        var before = await Shop.ScalarAsync<long>("SELECT count(*) FROM products");
        var response = await admin.PostAsync("/api/admin/products", new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(before, await Shop.ScalarAsync<long>("SELECT count(*) FROM products"));
    }

    [Fact]
    public async Task A_patch_changes_only_the_fields_sent_and_checkout_charges_the_new_price()
    {
        using var admin = await catalog.AdminAsync();
        var created = await catalog.CreateProductAsync(admin, "Slate Coaster", "Four coasters of slate.", priceCents: 1200);
        var id = created.GetProperty("id").GetInt64();

        var response = await admin.PatchAsJsonAsync($"/api/admin/products/{id}", new { priceCents = 900 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var changed = (await response.Content.ReadFromJsonAsync<Product>())!;
        Assert.Equal((900L, "Slate Coaster", "Four coasters of slate."), (changed.PriceCents, changed.Name, changed.Description));

        await (await admin.PatchAsJsonAsync($"/api/admin/products/{id}", new { categoryId = 424242 })).AssertProblemAsync(HttpStatusCode.BadRequest, "categoryId");
        await (await admin.PatchAsJsonAsync($"/api/admin/products/{id}", new { })).AssertProblemAsync(HttpStatusCode.BadRequest, "priceCents");
        await (await admin.PatchAsJsonAsync($"/api/admin/products/{id}", new { name = "" })).AssertProblemAsync(HttpStatusCode.BadRequest, "name");
        await (await admin.PatchAsJsonAsync("/api/admin/products/987654321", new { priceCents = 5 })).AssertProblemAsync(HttpStatusCode.NotFound, "987654321");

        using var buyer = await Shop.SignedInClientAsync();
        await buyer.AddToCartAsync(id, 2);
        var receipt = await (await buyer.CheckoutAsync($"patched-{id}")).ReceiptAsync();
        Assert.Equal(1800, receipt.TotalCents);
    }

    [Fact]
    public async Task A_stock_adjustment_answers_the_new_stock_and_is_refused_below_zero()
    {
        using var admin = await catalog.AdminAsync();
        var id = (await catalog.CreateProductAsync(admin, "Tin Whistle", stock: 3)).GetProperty("id").GetInt64();

        var added = await admin.PostAsJsonAsync($"/api/admin/products/{id}/stock", new { delta = 7, reason = "delivery 118" });
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(10, (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("stock").GetInt32());

        var tooMany = await admin.PostAsJsonAsync($"/api/admin/products/{id}/stock", new { delta = -11, reason = "breakage" });
        var problem = await tooMany.AssertProblemAsync(HttpStatusCode.Conflict, "below zero");
        Assert.Equal(10, problem.GetProperty("stock").GetInt32());
        Assert.Equal(10, await Shop.StockAsync(id));

        await (await admin.PostAsJsonAsync($"/api/admin/products/{id}/stock", new { delta = 0, reason = "x" })).AssertProblemAsync(HttpStatusCode.BadRequest, "delta");
        await (await admin.PostAsJsonAsync($"/api/admin/products/{id}/stock", new { delta = 1 })).AssertProblemAsync(HttpStatusCode.BadRequest, "reason");
        await (await admin.PostAsJsonAsync($"/api/admin/products/{id}/stock", new { delta = 2_000_000_000, reason = "x" })).AssertProblemAsync(HttpStatusCode.BadRequest, "delta");
        await (await admin.PostAsJsonAsync("/api/admin/products/987654321/stock", new { delta = 1, reason = "x" })).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(7, await Shop.ScalarAsync<long>("SELECT coalesce(sum(delta), 0)::bigint FROM stock_adjustments WHERE product_id = $1", id));
    }

    [Fact]
    public async Task A_deleted_product_leaves_the_catalog_while_its_orders_keep_working_and_checkout_of_it_is_a_clear_409()
    {
        using var admin = await catalog.AdminAsync();
        var id = (await catalog.CreateProductAsync(admin, "Retired Kettle", stock: 5)).GetProperty("id").GetInt64();
        using var earlier = await Shop.SignedInClientAsync();
        await earlier.AddToCartAsync(id, 1);
        var order = await (await earlier.CheckoutAsync($"before-hide-{id}")).ReceiptAsync();
        using var later = await Shop.SignedInClientAsync();
        await later.AddToCartAsync(id, 1);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/admin/products/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/admin/products/{id}")).StatusCode);
        await (await admin.DeleteAsync("/api/admin/products/987654321")).AssertProblemAsync(HttpStatusCode.NotFound);

        using var anonymous = Shop.Client();
        await (await anonymous.GetAsync($"/api/products/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        var search = await anonymous.GetFromJsonAsync<Paged<Product>>("/api/products?q=retired%20kettle");
        Assert.DoesNotContain(search!.Items, product => product.Id == id);
        Assert.Equal(HttpStatusCode.OK, (await earlier.GetAsync($"/api/orders/{order.OrderId}")).StatusCode);

        var refused = await later.CheckoutAsync($"after-hide-{id}");
        var problem = await refused.AssertProblemAsync(HttpStatusCode.Conflict, "no longer sold", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(id, problem.GetProperty("productId").GetInt64());
        await (await later.PutAsJsonAsync($"/api/cart/items/{id}", new { quantity = 1 })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsJsonAsync($"/api/admin/products/{id}/stock", new { delta = 1, reason = "x" })).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(4, await Shop.StockAsync(id));
    }

    [Fact]
    public async Task An_admin_adds_a_category_once()
    {
        using var admin = await catalog.AdminAsync();
        var name = "Kites " + Guid.NewGuid().ToString("N")[..8];
        var response = await admin.PostAsJsonAsync("/api/admin/categories", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var category = (await response.Content.ReadFromJsonAsync<Category>())!;
        using var anonymous = Shop.Client();
        Assert.Contains(new Category(category.Id, name, 0), (await anonymous.GetFromJsonAsync<List<Category>>("/api/categories"))!);
        await catalog.CreateProductAsync(admin, "Box Kite", categoryId: category.Id);
        Assert.Contains(new Category(category.Id, name, 1), (await anonymous.GetFromJsonAsync<List<Category>>("/api/categories"))!);

        await (await admin.PostAsJsonAsync("/api/admin/categories", new { name })).AssertProblemAsync(HttpStatusCode.Conflict, name);
        await (await admin.PostAsJsonAsync("/api/admin/categories", new { name = "" })).AssertProblemAsync(HttpStatusCode.BadRequest, "name");
    }

    public static TheoryData<string, string> AdminRoutes => new()
    {
        { "POST", "/api/admin/products" },
        { "PATCH", "/api/admin/products/1" },
        { "POST", "/api/admin/products/1/stock" },
        { "DELETE", "/api/admin/products/1" },
        { "POST", "/api/admin/categories" },
        { "GET", "/api/admin/audit" },
    };

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task Every_admin_route_refuses_anonymous_with_401_and_non_admins_with_403_and_changes_nothing(string method, string path)
    {
        const string body = """{"sku": "X-1", "name": "x", "categoryId": 1, "priceCents": 100, "stock": 1, "delta": 5, "reason": "x"}""";
        using var anonymous = Shop.Client();
        using var shopper = await Shop.SignedInClientAsync();
        var before = await FingerprintAsync();
        await (await anonymous.SendAsync(Request(method, path, body))).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await shopper.SendAsync(Request(method, path, body))).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(before, await FingerprintAsync());
    }

    private async Task<string> FingerprintAsync() => await Shop.DatabaseFingerprintAsync() + await Shop.ScalarAsync<string>("""
        SELECT concat_ws('|', (SELECT count(*) FROM categories), (SELECT count(*) FROM audit_log), (SELECT count(*) FROM stock_adjustments),
            (SELECT md5(string_agg(id || ':' || price_cents || ':' || coalesce(hidden_at::text, ''), ',' ORDER BY id)) FROM products))
        """);

    private static HttpRequestMessage Request(string method, string path, string body) =>
        new(new HttpMethod(method), path) { Content = method == "GET" ? null : new StringContent(body, Encoding.UTF8, "application/json") };
}
