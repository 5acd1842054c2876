using Bulwark.PaymentSandbox.Charges;
using Bulwark.PaymentSandbox.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.PaymentSandbox.Tests;

/// <summary>The ledger on its own, without HTTP in the way, so races and cancellations can be set up exactly.</summary>
public sealed class ChargeLedgerTests : IAsyncLifetime
{
    private RunningSandbox _sandbox = null!;
    private ChargeLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await RunningSandbox.StartAsync(o => o.SlowTokenDelay = TimeSpan.FromMilliseconds(200));
        _ledger = _sandbox.App.Services.GetRequiredService<ChargeLedger>();
    }

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task Two_hundred_parallel_charges_with_one_key_make_one_charge()
    {
        var terms = new ChargeTerms(500, "USD", PaymentToken.Visa, "hot-key");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 200)
            .Select(_ => Task.Run(() => _ledger.ChargeAsync(terms, CancellationToken.None))));

        var ids = outcomes.Select(o => Assert.IsType<ChargeOutcome.Charged>(o).Charge.Id).Distinct();
        Assert.Single(ids);
        Assert.Equal(1, _ledger.List().Count);
    }

    [Fact]
    public async Task A_caller_giving_up_does_not_cancel_the_charge_it_started()
    {
        var terms = new ChargeTerms(500, "USD", PaymentToken.Slow, "abandoned");
        using var giveUp = new CancellationTokenSource();
        // Given up before the slow authorization can finish, however busy the machine is.
        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _ledger.ChargeAsync(terms, giveUp.Token));

        // The lookup waits for the authorization still under way instead of reporting "never charged".
        var found = await _ledger.FindAsync("abandoned", CancellationToken.None);
        Assert.NotNull(found);
        Assert.Equal(ChargeStatus.Succeeded, found.Status);
        Assert.Equal(1, _ledger.List().Count);
    }

    [Fact]
    public async Task A_gateway_error_frees_the_key_for_every_caller_that_shared_it()
    {
        var failing = new ChargeTerms(500, "USD", PaymentToken.Error, "flaky");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(_ => Task.Run(() => _ledger.ChargeAsync(failing, CancellationToken.None))));

        Assert.All(outcomes, o => Assert.IsType<ChargeOutcome.GatewayFailed>(o));
        Assert.Null(await _ledger.FindAsync("flaky", CancellationToken.None));
        var retry = await _ledger.ChargeAsync(failing with { Token = PaymentToken.Visa }, CancellationToken.None);
        Assert.IsType<ChargeOutcome.Charged>(retry);
    }
}
