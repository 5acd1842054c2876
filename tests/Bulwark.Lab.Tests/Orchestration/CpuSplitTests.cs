using Bulwark.Lab.Orchestration;

namespace Bulwark.Lab.Tests.Orchestration;

public class CpuSplitTests
{
    [Theory]
    [InlineData("0", "0")]
    [InlineData("1", "1")]
    [InlineData("0-1", "0-1")]
    [InlineData("0,2-3", "0,2-3")]
    [InlineData("3,1,2", "1-3")]
    [InlineData(" 0 , 1 ", "0-1")]
    public void Cpu_lists_read_as_taskset_writes_them(string text, string canonical)
    {
        Assert.True(CpuSet.TryParse(text, out var set, out var problem), problem);
        Assert.Equal(canonical, set.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("2-1")]
    [InlineData("0-")]
    [InlineData("1-2-3")]
    [InlineData("-1")]
    public void Malformed_cpu_lists_are_refused_with_a_reason(string text)
    {
        Assert.False(CpuSet.TryParse(text, out _, out var problem));
        Assert.Contains(text, problem);
    }

    [Fact]
    public void Two_cpus_split_into_cpu_0_for_the_system_under_test_and_cpu_1_for_load()
    {
        var split = CpuSplit.Default(CpuSet.Parse("0-1"))!;
        Assert.Equal("0", split.Sut.ToString());
        Assert.Equal("1", split.Load.ToString());
    }

    [Fact]
    public void More_cpus_give_the_first_half_to_the_system_under_test()
    {
        var split = CpuSplit.Default(CpuSet.Parse("0-4"))!;
        Assert.Equal("0-1", split.Sut.ToString());
        Assert.Equal("2-4", split.Load.ToString());
    }

    [Fact]
    public void One_cpu_means_no_isolation()
    {
        Assert.Null(CpuSplit.Default(CpuSet.Parse("0")));
        Assert.True(CpuSplit.TryChoose(null, null, noIsolation: false, CpuSet.Parse("0"), out var split, out _));
        Assert.Null(split);
    }

    [Fact]
    public void No_isolation_turns_the_default_off_but_not_together_with_explicit_lists()
    {
        Assert.True(CpuSplit.TryChoose(null, null, noIsolation: true, CpuSet.Parse("0-3"), out var split, out _));
        Assert.Null(split);
        Assert.False(CpuSplit.TryChoose("0", null, noIsolation: true, CpuSet.Parse("0-3"), out _, out var problem));
        Assert.Contains("--no-isolation", problem);
    }

    [Fact]
    public void One_list_given_leaves_the_rest_to_the_other_side()
    {
        Assert.True(CpuSplit.TryChoose("2", null, false, CpuSet.Parse("0-3"), out var split, out var problem), problem);
        Assert.Equal("2", split!.Sut.ToString());
        Assert.Equal("0-1,3", split.Load.ToString());

        Assert.True(CpuSplit.TryChoose(null, "3", false, CpuSet.Parse("0-3"), out split, out problem), problem);
        Assert.Equal("0-2", split!.Sut.ToString());
    }

    [Theory]
    [InlineData("0-1", "1", "overlap")]
    [InlineData("0", "5", "not within")]
    [InlineData("0-3", null, "both sides")]
    [InlineData("x", "1", "--cpus-sut")]
    public void Impossible_splits_are_refused(string sut, string? load, string expected)
    {
        Assert.False(CpuSplit.TryChoose(sut, load, false, CpuSet.Parse("0-3"), out _, out var problem));
        Assert.Contains(expected, problem);
    }
}
