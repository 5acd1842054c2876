using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bulwark.Shop.Checkout;
using Bulwark.Shop.Payments;
using Bulwark.Shop.Tests.Infrastructure;
using Bulwark.Shop.Tests.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Tests;

/// <summary>
/// A payment gateway that keeps failing opens the circuit: checkouts are refused at once with 503
/// "payments unavailable" (no stock taken, nothing sent), and one checkout probes it again after the break.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class GatewayOutageTests(ShopFixture shop)
{
    [Fact]
    public async Task A_failing_gateway_opens_the_circuit_checkouts_are_refused_without_touching_stock_and_a_probe_closes_it()
    {
        await using var instance = await SecondShop.StartAsync(shop,
        [
            "--Payments:CircuitBreaker:MinimumThroughput", "2",
            "--Payments:CircuitBreaker:FailureRatio", "0.5",
            "--Payments:CircuitBreaker:SamplingDuration", "00:00:30",
            "--Payments:CircuitBreaker:BreakDuration", "00:00:01",
        ]);
        using var gateway = new HttpClient { BaseAddress = new Uri(instance.App.Services.GetRequiredService<IOptions<PaymentsOptions>>().Value.BaseUrl) };
        using var client = await instance.SignedInClientAsync();
        using var metrics = instance.Client();
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 10);

        // The gateway answers every charge with a server error: two failed checkouts, stock given back each time.
        (await gateway.PostAsJsonAsync("/v1/faults", new { errorRate = 1.0 })).EnsureSuccessStatusCode();
        // Meanwhile its lookups still answer, as the reconciler's do: they must not dilute the charges' failure ratio.
        var payments = instance.App.Services.GetRequiredService<PaymentGatewayClient>();
        for (var lookup = 0; lookup < 10; lookup++)
        {
            Assert.Equal(PaymentResult.NotFound, (await payments.LookupAsync($"no-such-charge-{lookup}", CancellationToken.None)).Result);
        }

        for (var attempt = 0; attempt < 2; attempt++)
        {
            await client.AddToCartAsync(productId, 1);
            using var failed = await client.CheckoutAsync($"outage-{productId}-{attempt}");
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
            Assert.Equal(10, await shop.StockAsync(productId));
        }

        // Open: refused before anything is reserved or sent.
        var ordersBefore = await OrdersOfProductAsync(productId);
        Assert.Equal(1, Metric(await metrics.GetStringAsync("/metrics")));
        using (var refused = await client.CheckoutAsync($"outage-{productId}-refused"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(refused.Headers.RetryAfter?.Delta);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(CheckoutApi.PaymentsUnavailableType, problem.GetProperty("type").GetString());
            Assert.Equal("Payments unavailable", problem.GetProperty("title").GetString());
        }

        Assert.Equal(10, await shop.StockAsync(productId));
        Assert.Equal(ordersBefore, await OrdersOfProductAsync(productId));

        // The gateway recovers; after the break the next checkout is the probe, it pays, and the circuit closes.
        (await gateway.DeleteAsync("/v1/faults")).EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        using var paid = await client.CheckoutAsync($"outage-{productId}-after");
        Assert.Equal(HttpStatusCode.Created, paid.StatusCode);
        Assert.Equal(9, await shop.StockAsync(productId));
        Assert.Equal(0, Metric(await metrics.GetStringAsync("/metrics")));
    }

    private Task<long> OrdersOfProductAsync(long productId) =>
        shop.ScalarAsync<long>("SELECT count(*) FROM order_lines WHERE product_id = $1", productId);

    private static double? Metric(string scrape) => ScrapeText.Sum(scrape, "bulwark_payments_circuit_open");
}
