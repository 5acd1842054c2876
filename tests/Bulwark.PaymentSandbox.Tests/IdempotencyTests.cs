using System.Net;
using Bulwark.PaymentSandbox.Tests.Infrastructure;

namespace Bulwark.PaymentSandbox.Tests;

public sealed class IdempotencyTests : IAsyncLifetime
{
    private RunningSandbox _sandbox = null!;

    public async Task InitializeAsync() =>
        _sandbox = await RunningSandbox.StartAsync(o => o.SlowTokenDelay = TimeSpan.FromMilliseconds(200));

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Theory]
    [InlineData("tok_visa")]
    [InlineData("tok_slow")]
    [InlineData("tok_declined")]
    public async Task Twenty_simultaneous_requests_with_one_key_make_one_charge(string token)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = Enumerable.Range(0, 20).Select(async _ =>
        {
            await start.Task;
            using var response = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody(token, "same-key"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await RunningSandbox.ReadJsonAsync(response)).GetProperty("id").GetString();
        }).ToArray();

        start.SetResult();
        var ids = await Task.WhenAll(requests);

        Assert.Single(ids.Distinct());
        Assert.Equal(1, (await _sandbox.GetJsonAsync("/v1/charges")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Repeating_a_key_returns_the_original_charge()
    {
        using var first = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody(key: "repeat"));
        using var second = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody(key: "repeat"));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var original = await RunningSandbox.ReadJsonAsync(first);
        var replay = await RunningSandbox.ReadJsonAsync(second);
        Assert.Equal(original.GetProperty("id").GetString(), replay.GetProperty("id").GetString());
        Assert.Equal(original.GetProperty("createdAt").GetString(), replay.GetProperty("createdAt").GetString());
        Assert.Equal(1, (await _sandbox.GetJsonAsync("/v1/charges")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task A_declined_key_stays_declined_on_retry()
    {
        using var declined = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody("tok_declined", "declined-once"));
        using var retried = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody("tok_declined", "declined-once"));

        Assert.Equal("declined", (await RunningSandbox.ReadJsonAsync(retried)).GetProperty("status").GetString());
        Assert.Equal(1, (await _sandbox.GetJsonAsync("/v1/charges")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Reusing_a_key_with_a_different_amount_is_a_409_problem_and_charges_nothing_more()
    {
        using var first = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody(key: "reused", amountCents: 1000));
        using var conflicting = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody(key: "reused", amountCents: 1001));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var problem = await ProblemAssert.IsProblemAsync(conflicting, HttpStatusCode.Conflict);
        Assert.Equal("reused", problem.GetProperty("idempotencyKey").GetString());
        Assert.Equal(1, (await _sandbox.GetJsonAsync("/v1/charges")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Reusing_a_key_with_a_different_token_is_a_409_problem()
    {
        using var first = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody("tok_visa", "reused-token"));
        using var conflicting = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody("tok_declined", "reused-token"));

        await ProblemAssert.IsProblemAsync(conflicting, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Currency_case_does_not_make_a_retry_a_different_request()
    {
        using var first = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody(key: "case", currency: "USD"));
        using var second = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody(key: "case", currency: "usd"));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }
}
