namespace Bulwark.LocalPostgres.Tests;

public sealed class OptionsValidationTests
{
    [Fact]
    public void Defaults_are_valid_and_match_the_design()
    {
        var options = new LocalPostgresOptions();

        options.Validate();
        Assert.Equal(".bulwark/postgres", options.Directory);
        Assert.Equal("bulwark", options.Database);
        Assert.Equal(100, options.MaxConnections);
        Assert.False(options.Ephemeral);
        Assert.Empty(options.ServerSettings);
    }

    [Fact]
    public void Every_invalid_option_is_named_in_one_error()
    {
        var options = new LocalPostgresOptions
        {
            Database = "drop\"table",
            MaxConnections = 1,
            StartTimeout = TimeSpan.Zero,
            ServerSettings = new Dictionary<string, string> { ["port"] = "5432", ["work mem"] = "1MB" },
        };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("Database", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxConnections", error.Message, StringComparison.Ordinal);
        Assert.Contains("StartTimeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("'port' is managed", error.Message, StringComparison.Ordinal);
        Assert.Contains("'work mem' is not a valid", error.Message, StringComparison.Ordinal);
    }
}
