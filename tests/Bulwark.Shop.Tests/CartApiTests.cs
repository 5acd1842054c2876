using System.Net;
using System.Net.Http.Json;
using System.Text;
using Bulwark.Shop.Cart;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests;

[Collection(ShopCollection.Name)]
public sealed class CartApiTests(ShopFixture shop)
{
    [Fact]
    public async Task Items_are_added_changed_and_removed()
    {
        using var client = await shop.SignedInClientAsync();
        var put = await client.PutAsJsonAsync("/api/cart/items/11", new { quantity = 2 });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await client.PutAsJsonAsync("/api/cart/items/12", new { quantity = 1 });
        (await client.PutAsJsonAsync("/api/cart/items/11", new { quantity = 5 })).EnsureSuccessStatusCode();

        var cart = await client.GetFromJsonAsync<CartView>("/api/cart");
        Assert.Equal([11L, 12L], cart!.Items.Select(line => line.ProductId));
        Assert.Equal(5, cart.Items[0].Quantity);
        Assert.Equal(cart.Items.Sum(line => line.PriceCents * line.Quantity), cart.TotalCents);

        (await client.PutAsJsonAsync("/api/cart/items/12", new { quantity = 0 })).EnsureSuccessStatusCode();
        (await client.DeleteAsync("/api/cart/items/11")).EnsureSuccessStatusCode();
        Assert.Empty((await client.GetFromJsonAsync<CartView>("/api/cart"))!.Items);
    }

    [Fact]
    public async Task Unknown_product_is_404_naming_it()
    {
        using var client = await shop.SignedInClientAsync();
        await (await client.PutAsJsonAsync("/api/cart/items/987654", new { quantity = 1 })).AssertProblemAsync(HttpStatusCode.NotFound, "987654");
    }

    [Theory]
    [InlineData("{\"quantity\": 100}", "quantity")]
    [InlineData("{\"quantity\": -1}", "quantity")]
    [InlineData("{\"quantity\": 1099511627776}", "quantity")]
    [InlineData("{\"quantity\": \"two\"}", "quantity")]
    [InlineData("{\"quantity\": 1.5}", "quantity")]
    [InlineData("{\"quantity\": null}", "quantity")]
    [InlineData("{}", "quantity")]
    [InlineData("{\"quantity\": 1", "")]
    [InlineData("not json", "")]
    public async Task Bad_quantities_and_bodies_are_400_and_change_nothing(string json, string field)
    {
        using var client = await shop.SignedInClientAsync();
        (await client.PutAsJsonAsync("/api/cart/items/21", new { quantity = 3 })).EnsureSuccessStatusCode();
        var before = await shop.DatabaseFingerprintAsync();

        var response = await client.PutAsync("/api/cart/items/21", new StringContent(json, Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
        Assert.Equal(before, await shop.DatabaseFingerprintAsync());
    }

    [Fact]
    public async Task Oversized_body_is_413_and_changes_nothing()
    {
        using var client = await shop.SignedInClientAsync();
        var before = await shop.DatabaseFingerprintAsync();
        var json = "{\"quantity\": 1, \"padding\": \"" + new string('x', 100_000) + "\"}";
        var response = await client.PutAsync("/api/cart/items/21", new StringContent(json, Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await shop.DatabaseFingerprintAsync());
    }

    [Fact]
    public async Task A_user_never_sees_another_users_cart()
    {
        using var ann = await shop.SignedInClientAsync();
        using var bob = await shop.SignedInClientAsync();
        (await ann.PutAsJsonAsync("/api/cart/items/31", new { quantity = 4 })).EnsureSuccessStatusCode();
        Assert.Empty((await bob.GetFromJsonAsync<CartView>("/api/cart"))!.Items);
        (await bob.DeleteAsync("/api/cart/items/31")).EnsureSuccessStatusCode();
        Assert.Single((await ann.GetFromJsonAsync<CartView>("/api/cart"))!.Items);
    }
}
