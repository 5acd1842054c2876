using System.CommandLine;
using Bulwark.Lab.Cli;
using Bulwark.Lab.Scenarios;

namespace Bulwark.Lab.Tests.Cli;

public class LabOptionsTests
{
    static (LabOptions Options, ParseResult Parse) Parse(params string[] args)
    {
        var options = new LabOptions();
        var root = new RootCommand();
        foreach (var option in options.All) root.Options.Add(option);
        var run = new Command("incident") { new Argument<string>("n") };
        root.Subcommands.Add(run);
        return (options, root.Parse(args));
    }

    [Fact]
    public void Defaults_run_both_modes_in_order_with_bounded_limits()
    {
        var (options, parse) = Parse("incident", "1");
        Assert.Empty(parse.Errors);

        Assert.True(options.TryRead(parse, "/tmp/lab-results", out var run, out var problem), problem);

        Assert.Null(run.Target);
        Assert.Equal([ScenarioRunner.Naive, ScenarioRunner.Guarded], run.Modes);
        Assert.Equal("/tmp/lab-results", run.OutputRoot);
        Assert.Equal(1, run.Seed);
        Assert.Equal(1_000_000, run.Limits.MaxRequests);
        Assert.Equal(TimeSpan.FromSeconds(20), run.Limits.RequestTimeout);
        Assert.Equal(LabOptions.LongestRun, run.Limits.MaxDuration);
    }

    [Fact]
    public void Options_after_the_subcommand_are_read()
    {
        var (options, parse) = Parse("incident", "3", "--target", "http://127.0.0.1:5080", "--duration", "1m30s", "--out", "/tmp/x",
            "--seed", "7", "--rate-scale", "0.5", "--timeout", "5s", "--database", "Host=127.0.0.1");
        Assert.Empty(parse.Errors);

        Assert.True(options.TryRead(parse, "/unused", out var run, out var problem), problem);

        Assert.Equal(new Uri("http://127.0.0.1:5080"), run.Target);
        Assert.Equal(TimeSpan.FromSeconds(90), run.Duration);
        Assert.Equal("/tmp/x", run.OutputRoot);
        Assert.Equal(7, run.Seed);
        Assert.Equal(0.5, run.RateScale);
        Assert.Equal(TimeSpan.FromSeconds(5), run.Limits.RequestTimeout);
        Assert.Equal("Host=127.0.0.1", run.DatabaseConnectionString);
    }

    [Fact]
    public void A_remote_target_is_refused_by_the_command_line_too()
    {
        var (options, parse) = Parse("incident", "1", "--target", "http://10.0.0.5:5080");

        Assert.False(options.TryRead(parse, "/tmp", out _, out var problem));
        Assert.Contains("--allow-remote", problem);

        (options, parse) = Parse("incident", "1", "--target", "http://10.0.0.5:5080", "--allow-remote");
        Assert.True(options.TryRead(parse, "/tmp", out var run, out _));
        Assert.Equal("10.0.0.5", run.Target!.Host);
    }

    [Fact]
    public void A_remote_sandbox_is_refused_like_a_remote_target()
    {
        var (options, parse) = Parse("incident", "5", "--target", "http://127.0.0.1:5080", "--sandbox", "http://10.0.0.9:7000");

        Assert.False(options.TryRead(parse, "/tmp", out _, out var problem));
        Assert.Contains("--sandbox", problem);
    }

    [Fact]
    public void Target_only_options_without_a_target_are_refused()
    {
        var (options, parse) = Parse("incident", "3", "--database", "Host=127.0.0.1");

        Assert.False(options.TryRead(parse, "/tmp", out _, out var problem));
        Assert.Contains("--target", problem);
    }

    [Theory]
    [InlineData("--duration", "0s")]
    [InlineData("--duration", "16m")]
    [InlineData("--duration", "ten")]
    [InlineData("--timeout", "10ms")]
    [InlineData("--rate-scale", "0")]
    [InlineData("--rate-scale", "1000")]
    [InlineData("--max-requests", "0")]
    [InlineData("--max-in-flight", "0")]
    [InlineData("--modes", "reckless")]
    public void Unbounded_or_nonsense_values_are_parse_errors(string option, string value)
    {
        var (_, parse) = Parse("incident", "1", option, value);
        Assert.NotEmpty(parse.Errors);
    }
}
