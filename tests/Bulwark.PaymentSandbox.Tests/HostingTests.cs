using System.Net;
using Bulwark.PaymentSandbox.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bulwark.PaymentSandbox.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task Started_on_port_0_the_sandbox_reports_the_real_loopback_port_it_bound()
    {
        await using var app = PaymentSandboxApp.Create("http://127.0.0.1:0");
        await app.StartAsync();

        var address = new Uri(app.Urls.Single());
        var serverAddresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();

        Assert.Equal("127.0.0.1", address.Host);
        Assert.NotEqual(0, address.Port);
        Assert.Equal(app.Urls, serverAddresses.Addresses);
        using var client = new HttpClient { BaseAddress = address };
        using var response = await client.GetAsync("/v1/faults");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await app.StopAsync();
    }

    [Fact]
    public async Task Urls_on_the_command_line_take_precedence_over_the_default()
    {
        await using var app = PaymentSandboxApp.Create("http://127.0.0.1:1", args: ["--urls", "http://127.0.0.1:0"]);
        await app.StartAsync();

        Assert.NotEqual(1, new Uri(app.Urls.Single()).Port);
        await app.StopAsync();
    }

    [Fact]
    public async Task Options_come_from_the_command_line_and_the_configure_delegate_has_the_last_word()
    {
        await using var app = PaymentSandboxApp.Create(
            "http://127.0.0.1:0",
            o => o.RandomSeed = 7,
            ["--PaymentSandbox:SlowTokenDelay=00:00:00.250", "--PaymentSandbox:RandomSeed=3"]);

        var options = app.Services.GetRequiredService<IOptions<PaymentSandboxOptions>>().Value;

        Assert.Equal(TimeSpan.FromMilliseconds(250), options.SlowTokenDelay);
        Assert.Equal(7, options.RandomSeed);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(61)]
    public async Task Slow_token_delay_outside_0_to_60_seconds_stops_the_sandbox_from_starting(int seconds)
    {
        await using var app = PaymentSandboxApp.Create("http://127.0.0.1:0", o => o.SlowTokenDelay = TimeSpan.FromSeconds(seconds));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("SlowTokenDelay", error.Message);
    }

    [Fact]
    public async Task Unknown_route_and_wrong_method_answer_problem_json()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        using var missing = await sandbox.Client.GetAsync("/v1/payouts");
        using var wrongMethod = await sandbox.Client.PutAsync("/v1/charges", null);

        await ProblemAssert.IsProblemAsync(missing, HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(wrongMethod, HttpStatusCode.MethodNotAllowed);
    }
}
