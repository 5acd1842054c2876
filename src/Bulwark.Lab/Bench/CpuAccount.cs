using Bulwark.Lab.Measurement;

namespace Bulwark.Lab.Bench;

/// <summary>
/// Where the system under test's CPU went during one overload step, from the server's side: the requests it answered and
/// refused (its own counters, read at the step's start and end), the refusals priced at what a refusal cost in the same
/// repeat's flood, and the rest of the CPU divided among the requests it admitted. When goodput falls under overload this
/// says which it was: the refusals eating the core, or each admitted request costing more than at 1×.
/// </summary>
/// <param name="RefusalsPerSecond">Requests the shop refused (429, 503: every rejection but a caller's own cancellation).</param>
/// <param name="AdmittedPerSecond">Requests it answered otherwise.</param>
/// <param name="BusyShare">CPU used over the CPUs the system under test has, 0..1.</param>
/// <param name="RefusalShare">The refusals' part of those CPUs at the flood's price, 0..1.</param>
/// <param name="MicrosPerAdmitted">CPU-µs per admitted request once the refusals are paid for.</param>
public sealed record CpuAccount(double RefusalsPerSecond, double AdmittedPerSecond, double BusyShare, double RefusalShare, double MicrosPerAdmitted)
{
    public static CpuAccount Unknown { get; } = new(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    /// <param name="cpu">The system under test's CPU over the window the counters cover.</param>
    /// <param name="answered">Requests the shop answered in the window (every status).</param>
    /// <param name="refused">Of those, refusals.</param>
    /// <param name="microsPerRefusal">CPU-µs per refusal measured in this repeat; NaN when not measured.</param>
    public static CpuAccount Of(CpuUsage cpu, double answered, double refused, double microsPerRefusal)
    {
        var capacitySeconds = cpu.WallSeconds * cpu.SutCpus;
        if (capacitySeconds <= 0 || !double.IsFinite(cpu.SutSeconds) || !double.IsFinite(answered) || !double.IsFinite(refused)) return Unknown;
        var admitted = Math.Max(0, answered - refused);
        var refusalSeconds = refused * microsPerRefusal / 1e6;
        return new CpuAccount(
            refused / cpu.WallSeconds,
            admitted / cpu.WallSeconds,
            cpu.SutSeconds / capacitySeconds,
            refusalSeconds / capacitySeconds,
            admitted == 0 ? double.NaN : (cpu.SutSeconds - refusalSeconds) * 1e6 / admitted);
    }
}

/// <summary>A step's <see cref="CpuAccount"/> over its repeats, medians (min–max); every repeat counts, valid or not (it explains an invalid one too).</summary>
public sealed record CpuAccountSpread(Spread RefusalsPerSecond, Spread AdmittedPerSecond, Spread BusyShare, Spread RefusalShare, Spread MicrosPerAdmitted)
{
    public static CpuAccountSpread Of(IReadOnlyList<CpuAccount> runs) => new(
        Spread.Of(runs, r => r.RefusalsPerSecond),
        Spread.Of(runs, r => r.AdmittedPerSecond),
        Spread.Of(runs, r => r.BusyShare),
        Spread.Of(runs, r => r.RefusalShare),
        Spread.Of(runs, r => r.MicrosPerAdmitted));
}
