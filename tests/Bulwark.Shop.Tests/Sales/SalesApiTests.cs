using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Bulwark.Shop.Tests.CatalogAdmin;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.Sales;

[Collection(CatalogAdminCollection.Name)]
public sealed class SalesApiTests(CatalogAdminFixture catalog)
{
    private ShopFixture Shop => catalog.Shop;

    [Fact]
    public async Task An_admin_schedules_a_sale_that_anyone_reads_as_upcoming_with_its_prices_and_units_and_the_audit_records_it()
    {
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, priceCents: 4000, stock: 30);
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(10);
        var response = await admin.PostAsJsonAsync("/api/admin/sales", new
        {
            name = "Winter flash", startsAt, endsAt = startsAt.AddHours(1), items = new[] { new { productId = product, priceCents = 2500, quantity = 12 } },
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(new Uri($"/api/sales/{created.Id()}", UriKind.Relative), response.Headers.Location);
        var sale = await Shop.SaleAsync(created.Id());
        Assert.Equal("Winter flash", sale.GetProperty("name").GetString());
        Assert.Equal("upcoming", sale.GetProperty("state").GetString());
        Assert.InRange(sale.GetProperty("opensInSeconds").GetInt64(), 550, 601);
        Assert.Equal(startsAt.ToUnixTimeSeconds(), sale.GetProperty("startsAt").GetDateTimeOffset().ToUnixTimeSeconds());
        var item = sale.GetProperty("items")[0];
        Assert.Equal((product, 4000L, 2500L, 12, 12), (item.GetProperty("productId").GetInt64(), item.GetProperty("regularPriceCents").GetInt64(),
            item.GetProperty("priceCents").GetInt64(), item.GetProperty("quantity").GetInt32(), item.GetProperty("unitsLeft").GetInt32()));
        Assert.StartsWith("Sale item", item.GetProperty("name").GetString());

        var newer = await admin.CreateSaleAsync((await catalog.CreateProductAsync(admin, priceCents: 900, stock: 5), 500, 5));
        var listed = await admin.GetFromJsonAsync<JsonElement>("/api/admin/sales?pageSize=2");
        Assert.Equal([newer.Id(), created.Id()], listed.GetProperty("items").EnumerateArray().Select(entry => entry.Id()));
        Assert.True(listed.GetProperty("total").GetInt64() >= 2);
        await (await admin.GetAsync("/api/admin/sales?pageSize=101")).AssertProblemAsync(HttpStatusCode.BadRequest, "pageSize");

        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/admin/audit?pageSize=50");
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), entry =>
            entry.GetProperty("action").GetString() == "sale.create" && entry.GetProperty("target").GetString() == $"sale:{created.Id()}");
    }

    [Fact]
    public async Task Only_admins_schedule_sales_and_an_unknown_sale_is_404()
    {
        using var buyer = await Shop.SignedInClientAsync();
        var response = await buyer.PostAsJsonAsync("/api/admin/sales", new { name = "mine" });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var anonymous = Shop.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/sales")).StatusCode);
        await (await anonymous.GetAsync("/api/sales/987654321")).AssertProblemAsync(HttpStatusCode.NotFound, "987654321");
    }

    [Theory]
    [InlineData("""{"startsAt": "{soon}", "endsAt": "{later}", "items": [{"productId": {product}, "priceCents": 100, "quantity": 1}]}""", "name")]
    [InlineData("""{"name": "x", "startsAt": "{past}", "endsAt": "{later}", "items": [{"productId": {product}, "priceCents": 100, "quantity": 1}]}""", "startsAt")]
    [InlineData("""{"name": "x", "endsAt": "{later}", "items": [{"productId": {product}, "priceCents": 100, "quantity": 1}]}""", "startsAt")]
    [InlineData("""{"name": "x", "startsAt": "{later}", "endsAt": "{soon}", "items": [{"productId": {product}, "priceCents": 100, "quantity": 1}]}""", "endsAt")]
    [InlineData("""{"name": "x", "startsAt": "{soon}", "endsAt": "{far}", "items": [{"productId": {product}, "priceCents": 100, "quantity": 1}]}""", "endsAt")]
    [InlineData("""{"name": "x", "startsAt": "{soon}", "endsAt": "{later}", "items": []}""", "items")]
    [InlineData("""{"name": "x", "startsAt": "{soon}", "endsAt": "{later}"}""", "items")]
    [InlineData("""{"name": "x", "startsAt": "{soon}", "endsAt": "{later}", "items": [{"productId": {product}, "priceCents": 0, "quantity": 1}]}""", "items[0].priceCents")]
    [InlineData("""{"name": "x", "startsAt": "{soon}", "endsAt": "{later}", "items": [{"productId": {product}, "priceCents": 100, "quantity": 0}]}""", "items[0].quantity")]
    [InlineData("""{"name": "x", "startsAt": "{soon}", "endsAt": "{later}", "items": [{"productId": {product}, "priceCents": 100, "quantity": 6}]}""", "items[0].quantity")]
    [InlineData("""{"name": "x", "startsAt": "{soon}", "endsAt": "{later}", "items": [{"productId": {product}, "priceCents": 100, "quantity": 1}, {"productId": {product}, "priceCents": 90, "quantity": 1}]}""", "items[1].productId")]
    [InlineData("""{"name": "x", "startsAt": "{soon}", "endsAt": "{later}", "items": [{"productId": 987654321, "priceCents": 100, "quantity": 1}]}""", "items[0].productId")]
    [InlineData("""{"name": "x", "startsAt": "{soon}", "endsAt": "{later}", "items": [{"productId": {product}, "priceCents": 100, "quantity": 1}, {"productId": {hidden}, "priceCents": 100, "quantity": 1}]}""", "items[1].productId")]
    public async Task A_sale_breaking_a_rule_is_a_400_naming_the_field_and_changes_nothing(string template, string field)
    {
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, priceCents: 1000, stock: 5);
        var hidden = await catalog.CreateProductAsync(admin, priceCents: 1000, stock: 5);
        (await admin.DeleteAsync($"/api/admin/products/{hidden}")).EnsureSuccessStatusCode();
        var now = DateTimeOffset.UtcNow;
        var body = template.Replace("{product}", product.ToString()).Replace("{hidden}", hidden.ToString())
            .Replace("{past}", now.AddMinutes(-1).ToString("O")).Replace("{soon}", now.AddHours(1).ToString("O"))
            .Replace("{later}", now.AddHours(3).ToString("O")).Replace("{far}", now.AddDays(8).ToString("O"));
        var before = await ChangesAsync();

        var response = await admin.PostAsync("/api/admin/sales", new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(before, await ChangesAsync());
    }

    [Fact]
    public async Task A_sale_is_deleted_before_it_starts_and_refused_with_409_once_started()
    {
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, priceCents: 1000, stock: 5);
        var early = await admin.CreateSaleAsync((product, 700, 2));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/admin/sales/{early.Id()}")).StatusCode);
        using var anonymous = Shop.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/api/sales/{early.Id()}")).StatusCode);
        await (await admin.DeleteAsync($"/api/admin/sales/{early.Id()}")).AssertProblemAsync(HttpStatusCode.NotFound, early.Id().ToString());

        var started = await admin.CreateSaleAsync((product, 700, 2));
        await Shop.OpenSaleAsync(started.Id());
        var refused = await (await admin.DeleteAsync($"/api/admin/sales/{started.Id()}")).AssertProblemAsync(HttpStatusCode.Conflict, "started");
        Assert.Equal(started.Id(), refused.GetProperty("saleId").GetInt64());
        Assert.Equal("open", (await Shop.SaleAsync(started.Id())).GetProperty("state").GetString());

        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/admin/audit?pageSize=50");
        var actions = audit.GetProperty("items").EnumerateArray()
            .Where(entry => entry.GetProperty("target").GetString() is { } target && (target == $"sale:{early.Id()}" || target == $"sale:{started.Id()}"))
            .Select(entry => entry.GetProperty("action").GetString()).ToList();
        Assert.Equal(["sale.create", "sale.delete", "sale.create"], actions.AsEnumerable().Reverse());
    }

    [Fact]
    public async Task A_product_already_in_a_sale_whose_window_overlaps_is_a_409_and_a_later_window_is_fine()
    {
        using var admin = await catalog.AdminAsync();
        var product = await catalog.CreateProductAsync(admin, priceCents: 1000, stock: 5);
        var other = await catalog.CreateProductAsync(admin, priceCents: 1000, stock: 5);
        var first = await admin.CreateSaleAsync((product, 700, 2)); // one hour from now, for two hours
        var startsAt = DateTimeOffset.UtcNow.AddHours(2);
        var before = await ChangesAsync();

        var clash = await admin.PostAsJsonAsync("/api/admin/sales", new
        {
            name = "clash", startsAt, endsAt = startsAt.AddHours(1),
            items = new[] { new { productId = other, priceCents = 500, quantity = 1 }, new { productId = product, priceCents = 600, quantity = 1 } },
        });
        var problem = await clash.AssertProblemAsync(HttpStatusCode.Conflict, product.ToString(), first.Id().ToString());
        Assert.Equal(first.Id(), problem.GetProperty("saleId").GetInt64());
        Assert.Equal(before, await ChangesAsync());

        var later = DateTimeOffset.UtcNow.AddHours(4);
        var after = await admin.PostAsJsonAsync("/api/admin/sales", new
        {
            name = "after", startsAt = later, endsAt = later.AddHours(1), items = new[] { new { productId = product, priceCents = 600, quantity = 5 } },
        });
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
    }

    /// <summary>Sales, their items and the audit trail: what creating a sale writes.</summary>
    private Task<string> ChangesAsync() => Shop.ScalarAsync<string>(
        "SELECT (SELECT count(*) FROM sales) || '/' || (SELECT count(*) FROM sale_items) || '/' || (SELECT count(*) FROM audit_log WHERE action LIKE 'sale.%')");
}
