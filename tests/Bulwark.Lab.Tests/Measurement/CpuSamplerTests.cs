using System.Diagnostics;
using Bulwark.Lab.Measurement;

namespace Bulwark.Lab.Tests.Measurement;

/// <summary>
/// Alone, not beside other test classes: the load side is read from this process's reaped children's time, and other
/// tests' shops and PostgreSQL clusters, reaped by the same test host meanwhile, landed there (a CI run: 126 ticks).
/// </summary>
[Collection(CpuSamplerTests.Alone)]
public sealed class CpuSamplerTests
{
    public const string Alone = "cpu-sampler-alone";

    [Fact]
    public async Task A_shop_replaced_mid_run_keeps_its_cpu_time_on_the_system_under_tests_side()
    {
        // Two busy children of this process stand for the old and the new shop instance.
        using var old = Spin();
        using var next = Spin();
        var cpu = new CpuSampler(new SutProcesses(old.Id, null, null), null, TimeProvider.System);
        var start = cpu.Take();
        var selfAtStart = ProcessTable.Self()!.Value.Own;

        await Task.Delay(TimeSpan.FromMilliseconds(1500));
        var oldBefore = ProcessTable.Read(old.Id)!.Value.Own;
        await cpu.ReplaceShopAsync(next.Id, async () =>
        {
            old.Kill();
            await old.WaitForExitAsync();
        });
        var end = cpu.Take();
        var selfAtEnd = ProcessTable.Self()!.Value.Own;
        next.Kill();
        await next.WaitForExitAsync();

        // The old instance's time (at least what it had used before it was stopped) is still the shop's, and
        // the new one's adds to it rather than replacing it.
        Assert.True(end.Shop - start.Shop >= oldBefore - start.Shop,
            $"shop {end.Shop - start.Shop} ticks, old instance alone {oldBefore - start.Shop}");
        Assert.True(oldBefore - start.Shop > 0, "the old instance used CPU");
        // Reaped by this process, the old instance's time would otherwise have landed on the load side, which
        // holds this process's own time only — but for what the old instance ran after its last reading (the
        // sampler reads it every 10 ms until it is gone: a few ticks at most, against all of its time).
        var oldTicks = oldBefore - start.Shop;
        var strayed = end.Load - start.Load - (selfAtEnd - selfAtStart);
        Assert.True(strayed <= Math.Max(3, oldTicks / 5), $"load side beyond this process's own: {strayed} ticks, old instance {oldTicks}");
    }

    private static Process Spin() =>
        Process.Start(new ProcessStartInfo("sh", ["-c", "while :; do :; done"]) { UseShellExecute = false })!;
}

[CollectionDefinition(CpuSamplerTests.Alone, DisableParallelization = true)]
public sealed class CpuSamplerAloneCollection;
