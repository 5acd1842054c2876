using Bulwark.Lab.Cli;

namespace Bulwark.Lab.Tests.Cli;

public class DurationTextTests
{
    [Theory]
    [InlineData("45s", 45_000)]
    [InlineData("45", 45_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5s", 1_500)]
    [InlineData("1h", 3_600_000)]
    [InlineData("00:01:30", 90_000)]
    public void People_durations_parse(string text, double milliseconds)
    {
        Assert.True(DurationText.TryParse(text, out var duration));
        Assert.Equal(milliseconds, duration.TotalMilliseconds, 6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0s")]
    [InlineData("ten seconds")]
    [InlineData("5x")]
    [InlineData("-5s")]
    public void Nonsense_and_zero_do_not_parse(string text) => Assert.False(DurationText.TryParse(text, out _));
}
