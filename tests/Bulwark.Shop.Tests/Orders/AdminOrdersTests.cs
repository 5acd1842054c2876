using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests.Orders;

/// <summary>The admin order listing (filters, paging) and who may use the admin order routes.</summary>
[Collection(ShopCollection.Name)]
public sealed class AdminOrdersTests(ShopFixture shop)
{
    [Fact]
    public async Task The_listing_filters_by_customer_status_and_time_and_pages_newest_first()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 10);
        using var buyer = await shop.SignedInClientAsync();
        using var admin = await shop.AdminClientAsync();
        var first = await buyer.PaidOrderAsync(productId);
        var second = await buyer.PaidOrderAsync(productId);
        await buyer.AddToCartAsync(productId, 1);
        using (var declined = await buyer.CheckoutAsync(Guid.NewGuid().ToString("N"), "tok_declined"))
        {
            Assert.Equal(HttpStatusCode.PaymentRequired, declined.StatusCode);
        }

        var refunded = await buyer.PaidOrderAsync(productId);
        Assert.Equal(HttpStatusCode.OK, (await admin.RefundAsync(refunded)).StatusCode);
        var userId = await shop.ScalarAsync<long>("SELECT user_id FROM orders WHERE id = $1", first);

        var all = await ListAsync(admin, $"userId={userId}");
        Assert.Equal(4, all.GetProperty("total").GetInt64());
        var ids = all.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("orderId").GetInt64()).ToList();
        Assert.Equal(ids.OrderDescending(), ids);
        var item = all.GetProperty("items")[0];
        Assert.Equal(userId, item.GetProperty("userId").GetInt64());
        Assert.Contains("@example.com", item.GetProperty("email").GetString(), StringComparison.Ordinal);
        Assert.Equal(productId, item.GetProperty("lines")[0].GetProperty("productId").GetInt64());

        var paid = await ListAsync(admin, $"userId={userId}&status=paid");
        Assert.Equal([second, first], paid.GetProperty("items").EnumerateArray().Select(order => order.GetProperty("orderId").GetInt64()));
        Assert.Equal(1, (await ListAsync(admin, $"userId={userId}&status=refunded")).GetProperty("total").GetInt64());
        Assert.Equal(1, (await ListAsync(admin, $"userId={userId}&status=payment_failed")).GetProperty("total").GetInt64());

        var page2 = await ListAsync(admin, $"userId={userId}&status=paid&page=2&pageSize=1");
        Assert.Equal(2, page2.GetProperty("total").GetInt64());
        Assert.Equal(first, Assert.Single(page2.GetProperty("items").EnumerateArray()).GetProperty("orderId").GetInt64());
        Assert.Empty((await ListAsync(admin, $"userId={userId}&page=5&pageSize=1")).GetProperty("items").EnumerateArray());

        // Time: created_at is in [from, to).
        await shop.ExecuteAsync("UPDATE orders SET created_at = '2020-01-01T12:00:00Z' WHERE id = $1", first);
        var old = await ListAsync(admin, $"userId={userId}&from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z");
        Assert.Equal(first, Assert.Single(old.GetProperty("items").EnumerateArray()).GetProperty("orderId").GetInt64());
        Assert.Equal(3, (await ListAsync(admin, $"userId={userId}&from=2021-01-01T00:00:00Z")).GetProperty("total").GetInt64());
        Assert.Equal(0, (await ListAsync(admin, $"userId={userId}&from={DateTimeOffset.UtcNow.AddDays(1):O}".Replace("+", "%2B"))).GetProperty("total").GetInt64());
    }

    [Theory]
    [InlineData("status=shipped", "status")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("page=0", "page")]
    [InlineData("from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z", "from")]
    public async Task Bad_filters_are_400_naming_the_parameter(string query, string parameter)
    {
        using var admin = await shop.AdminClientAsync();

        await (await admin.GetAsync($"/api/admin/orders?{query}")).AssertProblemAsync(HttpStatusCode.BadRequest, parameter);
    }

    [Fact]
    public async Task Admin_order_routes_refuse_anonymous_with_401_and_customers_with_403()
    {
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 10);
        using var customer = await shop.SignedInClientAsync();
        var orderId = await customer.PaidOrderAsync(productId);
        using var anonymous = shop.Client();

        foreach (var client in new[] { anonymous, customer })
        {
            var expected = client == anonymous ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden;
            Assert.Equal(expected, (await client.GetAsync("/api/admin/orders")).StatusCode);
            Assert.Equal(expected, (await client.GetAsync($"/api/admin/orders/{orderId}")).StatusCode);
            Assert.Equal(expected, (await client.RefundAsync(orderId)).StatusCode);
        }

        Assert.Equal("paid", await shop.StatusAsync(orderId));
        Assert.Equal(9, await shop.StockAsync(productId));
    }

    private static async Task<JsonElement> ListAsync(HttpClient admin, string query)
    {
        using var response = await admin.GetAsync($"/api/admin/orders?{query}");
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
