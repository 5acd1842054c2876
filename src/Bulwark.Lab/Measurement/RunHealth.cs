using System.Globalization;

namespace Bulwark.Lab.Measurement;

/// <summary>What one measured run cost each side and whether the generator kept up: recorded beside every run's numbers.</summary>
public sealed record RunHealth(CpuUsage Cpu, double LagP99Ms, RunValidity Validity)
{
    public static RunHealth Of(CpuUsage cpu, LatencyHistogram sendLag)
    {
        var lag = sendLag.Count == 0 ? 0 : sendLag.PercentileMs(99);
        return new RunHealth(cpu, lag, RunValidity.Judge(lag, cpu.LoadShare));
    }

    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"SUT CPU {Cpu.SutSeconds:0.00} s ({Cpu.SutShare:P0} of {Cpu.SutCpus} CPU; shop {Cpu.ShopSeconds:0.00} s, PostgreSQL {Cpu.PostgresSeconds:0.00} s), ")
        + string.Create(CultureInfo.InvariantCulture, $"load CPU {Cpu.LoadSeconds:0.00} s ({Cpu.LoadShare:P0} of {Cpu.LoadCpus} CPU), generator lag p99 {LagP99Ms:0.0} ms")
        + (Validity.Valid ? "" : $"; INVALID: {Validity.Reason}");
}
