using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Bulwark.PaymentSandbox.Tests.Infrastructure;

namespace Bulwark.PaymentSandbox.Tests;

public sealed class FaultInjectionTests : IAsyncLifetime
{
    private RunningSandbox _sandbox = null!;

    public async Task InitializeAsync() =>
        _sandbox = await RunningSandbox.StartAsync(o => o.HangLimit = TimeSpan.FromMilliseconds(300));

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task Error_rate_1_answers_500_and_records_no_charge()
    {
        await _sandbox.SetFaultsAsync(new { errorRate = 1.0 });

        using var response = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody(key: "faulty"));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError);
        Assert.Equal("gateway error", problem.GetProperty("title").GetString());
        Assert.Equal(0, (await _sandbox.GetJsonAsync("/v1/charges")).GetProperty("count").GetInt32());
        using var lookup = await _sandbox.Client.GetAsync("/v1/charges/by-key/faulty");
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
    }

    [Fact]
    public async Task After_faults_are_reset_a_retry_with_the_failed_key_is_charged()
    {
        await _sandbox.SetFaultsAsync(new { errorRate = 1.0 });
        using var failed = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody(key: "retry-me"));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);

        using var reset = await _sandbox.Client.DeleteAsync("/v1/faults");
        using var retried = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody(key: "retry-me"));

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(1, (await _sandbox.GetJsonAsync("/v1/charges")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Injected_latency_delays_every_charge_by_at_least_that_much()
    {
        await _sandbox.SetFaultsAsync(new { latencyMs = 300 });

        var clock = Stopwatch.StartNew();
        using var response = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody());
        clock.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(280), $"answered after {clock.Elapsed}");
    }

    [Fact]
    public async Task Timeout_rate_1_hangs_until_the_client_gives_up_and_charges_nothing()
    {
        await using var patient = await RunningSandbox.StartAsync(); // the documented 60 s hang limit
        await patient.SetFaultsAsync(new { timeoutRate = 1.0 });
        using var giveUp = new CancellationTokenSource();

        var pending = patient.ChargeAsync(RunningSandbox.ChargeBody(key: "hung"), giveUp.Token);
        var first = await Task.WhenAny(pending, Task.Delay(TimeSpan.FromMilliseconds(500)));

        Assert.NotSame(pending, first);
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        Assert.Equal(0, (await patient.GetJsonAsync("/v1/charges")).GetProperty("count").GetInt32());
        using var lookup = await patient.Client.GetAsync("/v1/charges/by-key/hung");
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
    }

    [Fact]
    public async Task A_hang_nobody_gives_up_on_ends_in_504_problem_at_the_hang_limit()
    {
        await _sandbox.SetFaultsAsync(new { timeoutRate = 1.0 });

        using var response = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody(key: "hung-long"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.GatewayTimeout);
        Assert.Equal(0, (await _sandbox.GetJsonAsync("/v1/charges")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Fault_profile_reads_back_as_set_and_delete_resets_it()
    {
        using var set = await _sandbox.Client.PostAsJsonAsync("/v1/faults", new { latencyMs = 25, errorRate = 0.25, timeoutRate = 0.5 });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);

        var current = await _sandbox.GetJsonAsync("/v1/faults");
        Assert.Equal(25, current.GetProperty("latencyMs").GetInt32());
        Assert.Equal(0.25, current.GetProperty("errorRate").GetDouble());
        Assert.Equal(0.5, current.GetProperty("timeoutRate").GetDouble());

        using var reset = await _sandbox.Client.DeleteAsync("/v1/faults");
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        var cleared = await _sandbox.GetJsonAsync("/v1/faults");
        Assert.Equal(0, cleared.GetProperty("latencyMs").GetInt32());
        Assert.Equal(0, cleared.GetProperty("errorRate").GetDouble());
        Assert.Equal(0, cleared.GetProperty("timeoutRate").GetDouble());
    }

    [Theory]
    [InlineData("""{"latencyMs":-1}""", "latencyMs")]
    [InlineData("""{"latencyMs":60001}""", "latencyMs")]
    [InlineData("""{"errorRate":1.5}""", "errorRate")]
    [InlineData("""{"errorRate":-0.1}""", "errorRate")]
    [InlineData("""{"timeoutRate":2}""", "timeoutRate")]
    [InlineData("""{"timeoutRate":"often"}""", "timeoutRate")]
    public async Task Invalid_fault_profile_is_a_400_problem_naming_the_field_and_changes_nothing(string json, string field)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await _sandbox.Client.PostAsync("/v1/faults", content);

        await ProblemAssert.IsValidationProblemNamingAsync(response, field);
        var current = await _sandbox.GetJsonAsync("/v1/faults");
        Assert.Equal(0, current.GetProperty("latencyMs").GetInt32());
        Assert.Equal(0, current.GetProperty("errorRate").GetDouble());
        Assert.Equal(0, current.GetProperty("timeoutRate").GetDouble());
    }

    [Fact]
    public async Task The_same_seed_injects_the_same_faults_in_the_same_order()
    {
        await using var first = await RunningSandbox.StartAsync(o => o.RandomSeed = 20240611);
        await using var second = await RunningSandbox.StartAsync(o => o.RandomSeed = 20240611);

        var firstRun = await RunSeriesAsync(first);
        var secondRun = await RunSeriesAsync(second);

        Assert.Equal(firstRun, secondRun);
        Assert.Contains(HttpStatusCode.OK, firstRun);
        Assert.Contains(HttpStatusCode.InternalServerError, firstRun);

        static async Task<HttpStatusCode[]> RunSeriesAsync(RunningSandbox sandbox)
        {
            await sandbox.SetFaultsAsync(new { errorRate = 0.5 });
            var statuses = new HttpStatusCode[24];
            for (var i = 0; i < statuses.Length; i++)
            {
                using var response = await sandbox.ChargeAsync(RunningSandbox.ChargeBody(key: $"seeded-{i}"));
                statuses[i] = response.StatusCode;
            }

            return statuses;
        }
    }
}
