using Bulwark.Guard.DependencyInjection;
using Bulwark.Guard.Gate;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bulwark.Guard.Tests.DependencyInjection;

public sealed class GuardOptionsTests
{
    private static GuardOptions Bind(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddBulwarkGuard(configuration.GetSection("Guard"), "Host=127.0.0.1;Port=1;Username=x");
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<GuardOptions>>().Value;
    }

    [Fact]
    public void Binds_every_key_of_the_guard_section()
    {
        var options = Bind(new()
        {
            ["Guard:Mode"] = "Off",
            ["Guard:Floor"] = "3",
            ["Guard:Ceiling"] = "40",
            ["Guard:Algorithm"] = "aimd",
            ["Guard:ReservedCriticalShare"] = "0.3",
            ["Guard:Deadlines:Critical"] = "00:00:05",
            ["Guard:QueueDelayTargets:Sheddable"] = "00:00:00.020",
            ["Guard:RateLimit:PermitsPerSecond"] = "7",
            ["Guard:LoginThrottle:PerAccountPerMinute"] = "2",
            ["Guard:Retry:BudgetRatio"] = "0.2",
            ["Guard:LeakThreshold"] = "00:00:02",
        });

        Assert.Equal(GuardMode.Off, options.Mode);
        var settings = options.ToSettings();
        Assert.Equal(3, settings.Floor);
        Assert.Equal(40, settings.Ceiling);
        Assert.Equal("aimd", settings.Algorithm);
        Assert.Equal(0.3, settings.ReservedCriticalShare);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Deadlines.Critical);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.Deadlines.Normal);
        Assert.Equal(TimeSpan.FromMilliseconds(20), settings.QueueDelayTargets.Sheddable);
        Assert.Equal(7, settings.RateLimit.PermitsPerSecond);
        Assert.Equal(2, settings.LoginThrottle.PerAccountPerMinute);
        Assert.Equal(0.2, options.Retry.BudgetRatio);
        Assert.Equal(TimeSpan.FromSeconds(2), options.LeakThreshold);
    }

    [Fact]
    public void Defaults_are_valid()
    {
        Assert.Empty(new GuardOptions().Validate());
        Assert.Empty(new GateSettings().Validate());
    }

    [Fact]
    public void Start_is_refused_naming_each_problem_when_the_floor_exceeds_the_ceiling_or_the_algorithm_is_unknown()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Guard:Floor"] = "20",
            ["Guard:Ceiling"] = "10",
            ["Guard:Algorithm"] = "magic",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddBulwarkGuard(configuration.GetSection("Guard"), "Host=127.0.0.1;Port=1;Username=x");
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GuardOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("ceiling (10) must not be below the floor (20)", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("algorithm 'magic' is unknown", StringComparison.Ordinal));
    }
}
