namespace Bulwark.Lab.Orchestration;

/// <summary>
/// Which CPUs the system under test (shop, PostgreSQL, payment sandbox) runs on and which the load
/// generator (the lab, pgbench, wrk) runs on. Disjoint, so that neither side's work shows up as the
/// other's latency: on a shared core a busy generator looks like a slow shop, and a busy shop like
/// a generator that cannot keep up.
/// </summary>
public sealed record CpuSplit(CpuSet Sut, CpuSet Load)
{
    /// <summary>The first half of <paramref name="available"/> (rounded down, at least one) for the SUT, the rest for load; null below 2 CPUs.</summary>
    public static CpuSplit? Default(CpuSet available)
    {
        if (available.Count < 2) return null;
        var sut = CpuSet.Of(available.Cpus.Take(Math.Max(1, available.Count / 2)));
        return new CpuSplit(sut, available.Without(sut));
    }

    /// <summary>
    /// Decides the split from the command line: none with <paramref name="noIsolation"/>; else the
    /// lists given (a missing one is the rest of <paramref name="available"/>), else <see cref="Default"/>.
    /// </summary>
    public static bool TryChoose(string? sutText, string? loadText, bool noIsolation, CpuSet available, out CpuSplit? split, out string? problem)
    {
        split = null;
        problem = null;
        if (noIsolation)
        {
            if (sutText is not null || loadText is not null) problem = "--no-isolation cannot be combined with --cpus-sut or --cpus-load.";
            return problem is null;
        }
        if (sutText is null && loadText is null)
        {
            split = Default(available);
            return true;
        }

        CpuSet? sut = null, load = null;
        if (sutText is not null && !TryRead("--cpus-sut", sutText, available, out sut, out problem)) return false;
        if (loadText is not null && !TryRead("--cpus-load", loadText, available, out load, out problem)) return false;
        sut ??= available.Without(load!);
        load ??= available.Without(sut);
        if (sut.Count == 0 || load.Count == 0)
        {
            problem = $"Isolation needs CPUs on both sides; the machine offers {available} (use --no-isolation on a single CPU).";
            return false;
        }
        if (sut.Overlaps(load))
        {
            problem = $"--cpus-sut {sut} and --cpus-load {load} overlap: the two sides must not share a CPU.";
            return false;
        }
        split = new CpuSplit(sut, load);
        return true;
    }

    static bool TryRead(string name, string text, CpuSet available, out CpuSet set, out string? problem)
    {
        if (!CpuSet.TryParse(text, out set, out problem))
        {
            problem = $"{name}: {problem}";
            return false;
        }
        if (set.Count == 0 || !set.IsWithin(available))
        {
            problem = $"{name} {set} is not within the CPUs this process may use ({available}).";
            return false;
        }
        return true;
    }

    public string Describe() => $"system under test on CPU {Sut}, load generator on CPU {Load}";
}
