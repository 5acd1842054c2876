using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.CatalogAdmin;

[Collection(CatalogAdminCollection.Name)]
public sealed class AuditTrailTests(CatalogAdminFixture catalog)
{
    private ShopFixture Shop => catalog.Shop;

    [Fact]
    public async Task Every_admin_action_is_recorded_with_who_what_changed_and_why_newest_first()
    {
        using var admin = await catalog.AdminAsync();
        var category = await (await admin.PostAsJsonAsync("/api/admin/categories", new { name = "Audit " + Guid.NewGuid().ToString("N")[..8] }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        var id = (await catalog.CreateProductAsync(admin, "Audited Vase", priceCents: 3000, stock: 4)).GetProperty("id").GetInt64();
        (await admin.PatchAsJsonAsync($"/api/admin/products/{id}", new { priceCents = 2500, name = "Audited Vase" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"/api/admin/products/{id}/stock", new { delta = 6, reason = "pallet 7 arrived" })).EnsureSuccessStatusCode();
        (await admin.DeleteAsync($"/api/admin/products/{id}")).EnsureSuccessStatusCode();
        var settings = await admin.PutAsJsonAsync("/api/admin/config", new { settings = new { catalog = new { cacheTtl = "00:00:03" } }, reason = "audit test" });
        var version = (await settings.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();
        (await admin.PostAsJsonAsync("/api/admin/config/rollback", new { version = version - 1 })).EnsureSuccessStatusCode();

        var page = await admin.GetFromJsonAsync<JsonElement>("/api/admin/audit?pageSize=7");
        var entries = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["settings.rollback", "settings.change", "product.hide", "stock.adjust", "product.update", "product.create", "category.create"],
            entries.Select(entry => entry.GetProperty("action").GetString()));
        Assert.All(entries, entry => Assert.Equal(catalog.AdminEmail, entry.GetProperty("actor").GetString()));
        Assert.All(entries, entry => Assert.True(entry.GetProperty("actorUserId").GetInt64() > 0));
        Assert.True(entries.Zip(entries.Skip(1)).All(pair => pair.First.GetProperty("id").GetInt64() > pair.Second.GetProperty("id").GetInt64()));

        var stock = entries[3];
        Assert.Equal($"product:{id}", stock.GetProperty("target").GetString());
        Assert.Equal("pallet 7 arrived", stock.GetProperty("reason").GetString());
        Assert.Equal(4, stock.GetProperty("before").GetProperty("stock").GetInt32());
        Assert.Equal(10, stock.GetProperty("after").GetProperty("stock").GetInt32());
        // Only what changed: the name was sent unchanged.
        var update = entries[4];
        Assert.Equal(3000, update.GetProperty("before").GetProperty("priceCents").GetInt64());
        Assert.Equal(2500, update.GetProperty("after").GetProperty("priceCents").GetInt64());
        Assert.False(update.GetProperty("after").TryGetProperty("name", out _));
        Assert.Equal(3000, entries[5].GetProperty("after").GetProperty("priceCents").GetInt64());
        Assert.Equal($"category:{category.GetProperty("id").GetInt32()}", entries[6].GetProperty("target").GetString());
        var change = entries[1];
        Assert.Equal("audit test", change.GetProperty("reason").GetString());
        Assert.Equal("00:00:03", change.GetProperty("after").GetProperty("catalog.cacheTtl").GetString());
        Assert.Equal("00:00:03", entries[0].GetProperty("before").GetProperty("catalog.cacheTtl").GetString());
    }

    [Fact]
    public async Task The_audit_pages_and_filters_by_action_and_a_refused_action_leaves_no_entry()
    {
        using var admin = await catalog.AdminAsync();
        var id = (await catalog.CreateProductAsync(admin, "Paged Bowl", stock: 1)).GetProperty("id").GetInt64();
        for (var i = 0; i < 3; i++)
        {
            (await admin.PostAsJsonAsync($"/api/admin/products/{id}/stock", new { delta = 1, reason = $"top-up {i}" })).EnsureSuccessStatusCode();
        }

        var entries = await Shop.ScalarAsync<long>("SELECT count(*) FROM audit_log");
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync($"/api/admin/products/{id}/stock", new { delta = -100, reason = "too many" })).StatusCode);
        Assert.Equal(entries, await Shop.ScalarAsync<long>("SELECT count(*) FROM audit_log"));

        var first = await admin.GetFromJsonAsync<JsonElement>("/api/admin/audit?action=stock.adjust&page=1&pageSize=2");
        var second = await admin.GetFromJsonAsync<JsonElement>("/api/admin/audit?action=stock.adjust&page=2&pageSize=2");
        Assert.True(first.GetProperty("total").GetInt64() >= 3);
        Assert.Equal((1, 2), (first.GetProperty("page").GetInt32(), first.GetProperty("pageSize").GetInt32()));
        Assert.Equal(["top-up 2", "top-up 1"], first.GetProperty("items").EnumerateArray().Select(entry => entry.GetProperty("reason").GetString()));
        Assert.Equal("top-up 0", second.GetProperty("items")[0].GetProperty("reason").GetString());
        Assert.All(first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()),
            entry => Assert.Equal("stock.adjust", entry.GetProperty("action").GetString()));

        await (await admin.GetAsync("/api/admin/audit?pageSize=101")).AssertProblemAsync(HttpStatusCode.BadRequest, "pageSize");
        await (await admin.GetAsync("/api/admin/audit?page=0")).AssertProblemAsync(HttpStatusCode.BadRequest, "page");
        await (await admin.GetAsync("/api/admin/audit?action=" + new string('a', 65))).AssertProblemAsync(HttpStatusCode.BadRequest, "action");
    }
}
