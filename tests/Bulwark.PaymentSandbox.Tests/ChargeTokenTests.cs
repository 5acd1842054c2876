using System.Diagnostics;
using System.Net;
using Bulwark.PaymentSandbox.Tests.Infrastructure;

namespace Bulwark.PaymentSandbox.Tests;

public sealed class ChargeTokenTests : IAsyncLifetime
{
    private static readonly TimeSpan SlowDelay = TimeSpan.FromMilliseconds(300);
    private RunningSandbox _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await RunningSandbox.StartAsync(o => o.SlowTokenDelay = SlowDelay);

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task Visa_token_is_approved_and_the_charge_echoes_the_request()
    {
        using var response = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody("tok_visa", "order-1", 2599, "usd"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var charge = await RunningSandbox.ReadJsonAsync(response);
        Assert.StartsWith("ch_", charge.GetProperty("id").GetString());
        Assert.True(charge.GetProperty("id").GetString()!.Length > "ch_".Length);
        Assert.Equal("succeeded", charge.GetProperty("status").GetString());
        Assert.Equal(2599, charge.GetProperty("amountCents").GetInt64());
        Assert.Equal("USD", charge.GetProperty("currency").GetString());
        Assert.Equal("order-1", charge.GetProperty("idempotencyKey").GetString());
        Assert.True(charge.GetProperty("createdAt").TryGetDateTimeOffset(out _));
    }

    [Fact]
    public async Task Declined_token_answers_200_with_a_declined_charge_that_is_recorded()
    {
        using var response = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody("tok_declined", "order-2"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("declined", (await RunningSandbox.ReadJsonAsync(response)).GetProperty("status").GetString());
        var list = await _sandbox.GetJsonAsync("/v1/charges");
        Assert.Equal(1, list.GetProperty("count").GetInt32());
        Assert.Equal(1, list.GetProperty("declined").GetInt32());
        Assert.Equal(0, list.GetProperty("succeeded").GetInt32());
    }

    [Fact]
    public async Task Slow_token_is_approved_no_sooner_than_the_configured_delay()
    {
        var clock = Stopwatch.StartNew();
        using var response = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody("tok_slow"));
        clock.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("succeeded", (await RunningSandbox.ReadJsonAsync(response)).GetProperty("status").GetString());
        // Lower bound only, with a little room for timer granularity.
        Assert.True(clock.Elapsed >= SlowDelay - TimeSpan.FromMilliseconds(20), $"answered after {clock.Elapsed}");
    }

    [Fact]
    public async Task Error_token_answers_500_gateway_error_and_records_no_charge()
    {
        using var response = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody("tok_error", "order-4"));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError);
        Assert.Equal("gateway error", problem.GetProperty("title").GetString());
        Assert.Equal(0, (await _sandbox.GetJsonAsync("/v1/charges")).GetProperty("count").GetInt32());
        using var lookup = await _sandbox.Client.GetAsync("/v1/charges/by-key/order-4");
        await ProblemAssert.IsProblemAsync(lookup, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task After_a_gateway_error_a_retry_with_the_same_key_can_succeed()
    {
        using var failed = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody("tok_error", "order-5"));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);

        using var retried = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody("tok_visa", "order-5"));

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(1, (await _sandbox.GetJsonAsync("/v1/charges")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Unknown_token_is_a_400_problem_saying_unknown_payment_token()
    {
        using var response = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody("tok_mastercard"));

        var problem = await ProblemAssert.IsValidationProblemNamingAsync(response, "token");
        Assert.Equal("unknown payment token", problem.GetProperty("title").GetString());
        Assert.Equal(0, (await _sandbox.GetJsonAsync("/v1/charges")).GetProperty("count").GetInt32());
    }
}
