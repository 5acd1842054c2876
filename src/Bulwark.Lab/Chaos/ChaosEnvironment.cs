using Bulwark.Lab.Measurement;
using Bulwark.Lab.Orchestration;
using Bulwark.LocalPostgres;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Chaos;

/// <summary>
/// The processes a chaos run owns, and the faults it does to them: the shop (killed and started again on
/// its address), PostgreSQL (crashed, or frozen with its backends) and the payment sandbox (made to hang
/// and fail). Every fault is lifted before its method returns, also when the run is cancelled.
/// </summary>
public sealed class ChaosEnvironment(RepoLayout repo, LocalPostgresCluster cluster, SandboxHost sandbox, ShopHost shop, ShopLaunch launch,
    CpuSplit? isolation, string logDirectory, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    /// <summary>A charge's time at the gateway during the crash fault: long enough that purchases are between reserving and settling when the kill comes.</summary>
    static readonly GatewayFaults SlowCharges = new(LatencyMs: 300);

    /// <summary>Half the charges hang until the shop gives up, the rest fail with 500; none is charged.</summary>
    static readonly GatewayFaults Outage = new(LatencyMs: 0, ErrorRate: 1, TimeoutRate: 0.5);

    static readonly GatewayFaults Healthy = new(LatencyMs: 0);

    public ShopHost Shop { get; private set; } = shop;

    public LedgerReader Ledger { get; } = new(cluster.ConnectionString, SandboxHost.ClientFor(sandbox.BaseAddress));

    /// <summary>Anything a fault needs in place before the load starts (the crash fault's slow gateway).</summary>
    public async Task PrepareAsync(ChaosFault fault, CancellationToken ct) =>
        await sandbox.SetFaultsAsync(fault == ChaosFault.ShopCrash ? SlowCharges : Healthy, ct);

    /// <summary>Applies <paramref name="fault"/> for <paramref name="length"/>, lifts it, and answers when each happened.</summary>
    /// <param name="now">Time since the start of the load.</param>
    public async Task<FaultWindow> InjectAsync(ChaosFault fault, TimeSpan length, Func<TimeSpan> now, List<string> notes, CancellationToken ct)
    {
        // Taken before the fault, not after: a kill or an immediate shutdown takes a moment, and the answers it breaks meanwhile are the fault's.
        var start = now().TotalSeconds;
        switch (fault)
        {
            case ChaosFault.ShopCrash:
                await Shop.KillAsync();
                await Shop.DisposeAsync();
                notes.Add($"Orders pending_payment right after the kill: {await Ledger.PendingAsync(ct)}.");
                await Task.Delay(length, time, ct);
                var end = now().TotalSeconds;
                // Started again as a supervisor would; the load keeps running (and meets a closed port) meanwhile.
                Shop = await ShopHost.StartAsync(repo, launch with { Mode = "restarted", Address = Shop.BaseAddress }, logDirectory, logger, ct);
                await sandbox.SetFaultsAsync(Healthy, ct);
                return new FaultWindow(start, end);

            case ChaosFault.DatabaseCrash:
                await cluster.CrashServerAsync(ct);
                try
                {
                    await Task.Delay(length, time, ct);
                }
                finally
                {
                    await cluster.StartServerAsync(CancellationToken.None);
                }
                var back = now().TotalSeconds;
                // pg_ctl ran from the lab, on the load side's CPUs: the new postmaster goes back to the shop's.
                await SutPlacement.PlacePostgresAsync(cluster, isolation, ct);
                return new FaultWindow(start, back);

            case ChaosFault.DatabaseHang:
                var postmaster = cluster.ServerProcessId ?? throw new InvalidOperationException("PostgreSQL is not running.");
                List<int> frozen = [postmaster, .. ProcessTable.ChildrenOf(postmaster).Select(c => c.Pid)];
                // Said in the report: a signal refused (another user's server) would make a hang that never happened look well handled.
                notes.Add($"{frozen.Count(pid => Signals.Send(pid, Signals.Stop))} of {frozen.Count} PostgreSQL processes (postmaster and backends) stopped.");
                try
                {
                    await Task.Delay(length, time, ct);
                }
                finally
                {
                    // Never leave the server frozen, whatever ended the wait: the lab's own clean-up needs it.
                    foreach (var pid in frozen) Signals.Send(pid, Signals.Continue);
                }
                return new FaultWindow(start, now().TotalSeconds);

            default:
                await sandbox.SetFaultsAsync(Outage, ct);
                try
                {
                    await Task.Delay(length, time, ct);
                }
                finally
                {
                    await sandbox.SetFaultsAsync(Healthy, CancellationToken.None);
                }
                return new FaultWindow(start, now().TotalSeconds);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Ledger.Dispose();
        await Shop.DisposeAsync();
    }
}
