using System.Net;
using Bulwark.PaymentSandbox.Tests.Infrastructure;

namespace Bulwark.PaymentSandbox.Tests;

public sealed class RefundTests : IAsyncLifetime
{
    private RunningSandbox _sandbox = null!;

    public async Task InitializeAsync() =>
        _sandbox = await RunningSandbox.StartAsync(o => o.HangLimit = TimeSpan.FromMilliseconds(300));

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task A_refund_of_a_succeeded_charge_is_recorded_and_found_by_its_key()
    {
        var chargeId = await _sandbox.ChargedIdAsync(2599);

        using var response = await _sandbox.RefundAsync(RunningSandbox.RefundBody(chargeId, 2599, "refund-order-1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var refund = await RunningSandbox.ReadJsonAsync(response);
        Assert.StartsWith("re_", refund.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal(chargeId, refund.GetProperty("chargeId").GetString());
        Assert.Equal("succeeded", refund.GetProperty("status").GetString());
        Assert.Equal(2599, refund.GetProperty("amountCents").GetInt64());
        Assert.Equal("USD", refund.GetProperty("currency").GetString());
        var found = await _sandbox.GetJsonAsync("/v1/refunds/by-key/refund-order-1");
        Assert.Equal(refund.GetProperty("id").GetString(), found.GetProperty("id").GetString());
        var ofCharge = await _sandbox.GetJsonAsync($"/v1/refunds?chargeId={chargeId}");
        Assert.Equal(1, ofCharge.GetProperty("count").GetInt32());
        Assert.Equal(2599, ofCharge.GetProperty("amountCents").GetInt64());
        using var missing = await _sandbox.Client.GetAsync("/v1/refunds/by-key/never-used");
        await ProblemAssert.IsProblemAsync(missing, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Twenty_simultaneous_refunds_with_one_key_make_one_refund()
    {
        var chargeId = await _sandbox.ChargedIdAsync(1000);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = Enumerable.Range(0, 20).Select(async _ =>
        {
            await start.Task;
            using var response = await _sandbox.RefundAsync(RunningSandbox.RefundBody(chargeId, 1000, "same-refund"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await RunningSandbox.ReadJsonAsync(response)).GetProperty("id").GetString();
        }).ToArray();

        start.SetResult();
        var ids = await Task.WhenAll(requests);

        Assert.Single(ids.Distinct());
        Assert.Equal(1, (await _sandbox.GetJsonAsync($"/v1/refunds?chargeId={chargeId}")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Refunds_never_add_up_to_more_than_the_charge()
    {
        var chargeId = await _sandbox.ChargedIdAsync(1000);

        using var tooMuch = await _sandbox.RefundAsync(RunningSandbox.RefundBody(chargeId, 1001));
        var problem = await ProblemAssert.IsProblemAsync(tooMuch, (HttpStatusCode)422);
        Assert.Equal(1000, problem.GetProperty("refundableCents").GetInt64());

        using var part = await _sandbox.RefundAsync(RunningSandbox.RefundBody(chargeId, 600));
        Assert.Equal(HttpStatusCode.OK, part.StatusCode);
        using var beyondRest = await _sandbox.RefundAsync(RunningSandbox.RefundBody(chargeId, 401));
        Assert.Equal(400, (await ProblemAssert.IsProblemAsync(beyondRest, (HttpStatusCode)422)).GetProperty("refundableCents").GetInt64());
        using var rest = await _sandbox.RefundAsync(RunningSandbox.RefundBody(chargeId, 400));
        Assert.Equal(HttpStatusCode.OK, rest.StatusCode);

        var ofCharge = await _sandbox.GetJsonAsync($"/v1/refunds?chargeId={chargeId}");
        Assert.Equal(2, ofCharge.GetProperty("count").GetInt32());
        Assert.Equal(1000, ofCharge.GetProperty("amountCents").GetInt64());
    }

    [Fact]
    public async Task Unknown_and_declined_charges_are_not_refunded()
    {
        using var unknown = await _sandbox.RefundAsync(RunningSandbox.RefundBody("ch_nope"));
        await ProblemAssert.IsProblemAsync(unknown, HttpStatusCode.NotFound);

        var declined = await _sandbox.ChargedIdAsync(2599, "tok_declined");
        using var ofDeclined = await _sandbox.RefundAsync(RunningSandbox.RefundBody(declined));
        await ProblemAssert.IsProblemAsync(ofDeclined, (HttpStatusCode)422);

        Assert.Equal(0, (await _sandbox.GetJsonAsync("/v1/refunds")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task A_key_reused_for_other_terms_is_409_and_a_replay_after_the_full_refund_is_the_same_refund()
    {
        var chargeId = await _sandbox.ChargedIdAsync(1000);
        using var first = await _sandbox.RefundAsync(RunningSandbox.RefundBody(chargeId, 1000, "once"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var other = await _sandbox.RefundAsync(RunningSandbox.RefundBody(chargeId, 10, "once"));
        await ProblemAssert.IsProblemAsync(other, HttpStatusCode.Conflict);
        using var replay = await _sandbox.RefundAsync(RunningSandbox.RefundBody(chargeId, 1000, "once"));

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal((await RunningSandbox.ReadJsonAsync(first)).GetProperty("id").GetString(),
            (await RunningSandbox.ReadJsonAsync(replay)).GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("chargeId")]
    [InlineData("amountCents")]
    [InlineData("idempotencyKey")]
    public async Task A_missing_field_is_a_validation_problem_naming_it(string field)
    {
        var body = new Dictionary<string, object> { ["chargeId"] = "ch_1", ["amountCents"] = 100, ["idempotencyKey"] = "k" };
        body.Remove(field);

        using var response = await _sandbox.RefundAsync(body);

        await ProblemAssert.IsValidationProblemNamingAsync(response, field);
    }

    [Fact]
    public async Task An_injected_error_refunds_nothing_and_leaves_the_key_free_for_a_retry()
    {
        var chargeId = await _sandbox.ChargedIdAsync(1000);
        await _sandbox.SetFaultsAsync(new { errorRate = 1.0 });

        using var failed = await _sandbox.RefundAsync(RunningSandbox.RefundBody(chargeId, 1000, "retry-refund"));
        Assert.Equal("gateway error", (await ProblemAssert.IsProblemAsync(failed, HttpStatusCode.InternalServerError)).GetProperty("title").GetString());
        using var lookup = await _sandbox.Client.GetAsync("/v1/refunds/by-key/retry-refund");
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);

        using var reset = await _sandbox.Client.DeleteAsync("/v1/faults");
        using var retried = await _sandbox.RefundAsync(RunningSandbox.RefundBody(chargeId, 1000, "retry-refund"));
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(1, (await _sandbox.GetJsonAsync("/v1/refunds")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task An_injected_hang_ends_in_504_and_refunds_nothing()
    {
        var chargeId = await _sandbox.ChargedIdAsync(1000);
        await _sandbox.SetFaultsAsync(new { timeoutRate = 1.0 });

        using var response = await _sandbox.RefundAsync(RunningSandbox.RefundBody(chargeId, 1000, "hung-refund"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.GatewayTimeout);
        Assert.Equal(0, (await _sandbox.GetJsonAsync("/v1/refunds")).GetProperty("count").GetInt32());
    }
}
