using System.Net;
using Bulwark.PaymentSandbox.Tests.Infrastructure;

namespace Bulwark.PaymentSandbox.Tests;

public sealed class ChargeLookupTests : IAsyncLifetime
{
    private RunningSandbox _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await RunningSandbox.StartAsync();

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task By_key_answers_404_problem_for_a_key_never_charged()
    {
        using var response = await _sandbox.Client.GetAsync("/v1/charges/by-key/never-used");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task By_key_returns_the_charge_made_under_that_key()
    {
        using var created = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody(key: "order 42/a"));
        var charge = await RunningSandbox.ReadJsonAsync(created);

        var found = await _sandbox.GetJsonAsync("/v1/charges/by-key/" + Uri.EscapeDataString("order 42/a"));

        Assert.Equal(charge.GetProperty("id").GetString(), found.GetProperty("id").GetString());
        Assert.Equal("order 42/a", found.GetProperty("idempotencyKey").GetString());
    }

    [Fact]
    public async Task Charge_list_counts_every_charge_and_shows_the_latest_100_newest_first()
    {
        using (await _sandbox.ChargeAsync(RunningSandbox.ChargeBody("tok_declined", "key-000")))
        {
        }

        for (var i = 1; i <= 101; i++)
        {
            using var response = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody(key: $"key-{i:000}"));
            response.EnsureSuccessStatusCode();
        }

        var list = await _sandbox.GetJsonAsync("/v1/charges");

        Assert.Equal(102, list.GetProperty("count").GetInt32());
        Assert.Equal(101, list.GetProperty("succeeded").GetInt32());
        Assert.Equal(1, list.GetProperty("declined").GetInt32());
        var keys = list.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("idempotencyKey").GetString()).ToArray();
        Assert.Equal(100, keys.Length);
        Assert.Equal("key-101", keys[0]);
        Assert.Equal("key-002", keys[^1]);
    }
}
