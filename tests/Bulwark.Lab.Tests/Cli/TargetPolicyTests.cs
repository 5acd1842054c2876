using Bulwark.Lab.Cli;

namespace Bulwark.Lab.Tests.Cli;

public class TargetPolicyTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5080")]
    [InlineData("http://127.8.9.10:5080/")]
    [InlineData("https://localhost:7001")]
    [InlineData("http://LOCALHOST")]
    [InlineData("http://[::1]:5080")]
    public void Loopback_targets_are_accepted_without_allow_remote(string target)
    {
        Assert.True(TargetPolicy.TryAccept(target, allowRemote: false, out var uri, out var problem), problem);
        Assert.Equal(new Uri(target), uri);
    }

    [Theory]
    [InlineData("http://10.0.0.5:5080")]
    [InlineData("http://192.168.1.20")]
    [InlineData("https://shop.example.com")]
    [InlineData("http://127.0.0.1.nip.io:5080")]   // resolves to loopback today, proves nothing tomorrow
    [InlineData("http://[2001:db8::1]:5080")]
    [InlineData("http://0.0.0.0:5080")]
    public void Other_targets_are_refused_unless_allow_remote_is_given(string target)
    {
        Assert.False(TargetPolicy.TryAccept(target, allowRemote: false, out var uri, out var problem));
        Assert.Null(uri);
        Assert.Contains("--allow-remote", problem);

        Assert.True(TargetPolicy.TryAccept(target, allowRemote: true, out uri, out _));
        Assert.NotNull(uri);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("127.0.0.1:5080")]
    [InlineData("/api/products")]
    [InlineData("not a url")]
    public void Targets_that_are_not_http_urls_are_refused_even_with_allow_remote(string target)
    {
        Assert.False(TargetPolicy.TryAccept(target, allowRemote: true, out _, out var problem));
        Assert.Contains("http", problem);
    }

    [Fact]
    public void No_target_means_the_lab_starts_its_own_shop()
    {
        Assert.True(TargetPolicy.TryAccept(null, allowRemote: false, out var uri, out var problem));
        Assert.Null(uri);
        Assert.Null(problem);
    }
}
