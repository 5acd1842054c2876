using Bulwark.Lab.Bench;
using Bulwark.Lab.Measurement;

namespace Bulwark.Lab.Tests.Bench;

public class CpuAccountTests
{
    // 10 s on one SUT CPU: the shop used 6 s, PostgreSQL 3 s, the sandbox 0.5 s.
    static readonly CpuUsage TenSeconds = new(10, 6, 3, 0.5, 2, SutCpus: 1, LoadCpus: 1, 0.95, 0.2);

    [Fact]
    public void Refusals_are_priced_at_the_flood_and_the_rest_of_the_cpu_is_divided_among_the_admitted()
    {
        // 60,000 answers, 50,000 of them refusals at 40 µs: 2 s of the 9.5 s; 7.5 s over 10,000 admitted.
        var account = CpuAccount.Of(TenSeconds, answered: 60_000, refused: 50_000, microsPerRefusal: 40);

        Assert.Equal(5_000, account.RefusalsPerSecond, 6);
        Assert.Equal(1_000, account.AdmittedPerSecond, 6);
        Assert.Equal(0.95, account.BusyShare, 6);
        Assert.Equal(0.20, account.RefusalShare, 6);
        Assert.Equal(750, account.MicrosPerAdmitted, 6);
    }

    [Fact]
    public void Shares_are_of_every_cpu_the_system_under_test_has()
    {
        var twoCpus = TenSeconds with { SutCpus = 2 };

        var account = CpuAccount.Of(twoCpus, answered: 60_000, refused: 50_000, microsPerRefusal: 40);

        Assert.Equal(0.475, account.BusyShare, 6);
        Assert.Equal(0.10, account.RefusalShare, 6);
    }

    [Fact]
    public void Without_a_price_per_refusal_the_rates_and_the_busy_share_stand_and_the_cost_per_admitted_request_is_unknown()
    {
        var account = CpuAccount.Of(TenSeconds, answered: 60_000, refused: 50_000, microsPerRefusal: double.NaN);

        Assert.Equal(5_000, account.RefusalsPerSecond, 6);
        Assert.Equal(0.95, account.BusyShare, 6);
        Assert.True(double.IsNaN(account.RefusalShare));
        Assert.True(double.IsNaN(account.MicrosPerAdmitted));
    }

    [Fact]
    public void Unread_counters_or_cpu_account_for_nothing()
    {
        Assert.Equal(CpuAccount.Unknown, CpuAccount.Of(TenSeconds, answered: double.NaN, refused: 10, microsPerRefusal: 40));
        Assert.Equal(CpuAccount.Unknown, CpuAccount.Of(CpuUsage.Unknown, answered: 100, refused: 10, microsPerRefusal: 40));
        Assert.True(double.IsNaN(CpuAccount.Of(TenSeconds, answered: 10, refused: 10, microsPerRefusal: 40).MicrosPerAdmitted));
    }
}
