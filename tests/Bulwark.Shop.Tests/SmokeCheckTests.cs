using System.Net.Http.Json;
using Bulwark.Shop.Commands;
using Bulwark.Shop.Tests.Infrastructure;

namespace Bulwark.Shop.Tests;

[Collection(ShopCollection.Name)]
public sealed class SmokeCheckTests(ShopFixture shop)
{
    [Fact]
    public async Task Smoke_check_passes_every_step_against_a_healthy_shop()
    {
        using var output = new StringWriter();
        var exit = await SmokeCheck.RunAsync(["smoke-check", shop.BaseAddress.ToString()], output, CancellationToken.None);
        Assert.True(exit == 0, output.ToString());
        foreach (var step in new[] { "ready", "browse", "sign-in", "cart", "checkout", "order lookup" })
        {
            Assert.Contains($"ok    {step}", output.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Smoke_check_fails_non_zero_naming_checkout_when_the_gateway_errors()
    {
        using var gateway = shop.Gateway();
        (await gateway.PostAsJsonAsync("/v1/faults", new { latencyMs = 0, errorRate = 1.0, timeoutRate = 0.0 })).EnsureSuccessStatusCode();
        using var output = new StringWriter();
        int exit;
        try
        {
            exit = await SmokeCheck.RunAsync(["smoke-check", shop.BaseAddress.ToString()], output, CancellationToken.None);
        }
        finally
        {
            (await gateway.DeleteAsync("/v1/faults")).EnsureSuccessStatusCode();
        }

        Assert.Equal(1, exit);
        Assert.Contains("FAIL  checkout", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("502", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smoke_check_without_a_target_prints_usage_and_exits_2()
    {
        using var output = new StringWriter();
        Assert.Equal(2, await SmokeCheck.RunAsync(["smoke-check"], output, CancellationToken.None));
        Assert.Contains("usage", output.ToString(), StringComparison.Ordinal);
    }
}
