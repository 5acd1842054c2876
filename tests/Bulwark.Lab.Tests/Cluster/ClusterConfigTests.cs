using Bulwark.Lab.Cluster;

namespace Bulwark.Lab.Tests.Cluster;

/// <summary>The lab runs the deploy/ files operators use, with only this machine's ports and paths substituted.</summary>
public sealed class ClusterConfigTests
{
    private static readonly ClusterFiles Files = new("/tmp/cluster-x");

    private static string Deploy(string relative) => File.ReadAllText(Path.Combine(TestBuild.Repo().Root, "deploy", relative));

    [Fact]
    public void PgBouncer_keeps_the_deployed_pooling_and_substitutes_ports_paths_and_auth_file()
    {
        var template = Deploy("pgbouncer/pgbouncer.ini");
        var rendered = PgBouncerConfig.Render(template, listenPort: 16432, primaryPort: 15432, Files);

        Assert.Contains("pool_mode = transaction", rendered, StringComparison.Ordinal);
        Assert.Contains("listen_port = 16432", rendered, StringComparison.Ordinal);
        Assert.Contains($"auth_file = {Files.PgBouncerUsers}", rendered, StringComparison.Ordinal);
        Assert.Contains($"pidfile = {Files.PgBouncerPid}", rendered, StringComparison.Ordinal);
        Assert.DoesNotContain("port=5432", rendered, StringComparison.Ordinal);
        Assert.Equal(2, rendered.Split("port=15432").Length - 1);
        Assert.Equal(40, PgBouncerConfig.PoolSize(template));
        // Debian 12's PgBouncer 1.18 refuses to load a config with keys it does not know.
        Assert.DoesNotMatch(new System.Text.RegularExpressions.Regex(@"^\s*max_prepared_statements\s*=", System.Text.RegularExpressions.RegexOptions.Multiline), rendered);
    }

    [Fact]
    public void Nginx_gets_one_upstream_server_per_instance_with_the_deployed_parameters_and_a_loopback_listen()
    {
        var rendered = NginxConfig.RenderSite(Deploy("nginx/bulwark.conf"), 18080,
            [new Uri("http://127.0.0.1:1001"), new Uri("http://127.0.0.1:1002"), new Uri("http://127.0.0.1:1003")]);

        Assert.Contains("listen 127.0.0.1:18080;", rendered, StringComparison.Ordinal);
        foreach (var port in new[] { 1001, 1002, 1003 })
            Assert.Contains($"server 127.0.0.1:{port} max_fails=0;", rendered, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1:5080", rendered, StringComparison.Ordinal);
        Assert.Contains("proxy_next_upstream error timeout;", rendered, StringComparison.Ordinal);

        var main = NginxConfig.RenderMain(Files, workerUser: null);
        Assert.Contains($"include {Files.NginxSite};", main, StringComparison.Ordinal);
        Assert.Contains($"pid {Files.NginxPid};", main, StringComparison.Ordinal);
    }

    [Fact]
    public void The_naive_cluster_runs_nginx_with_its_stock_proxy_timeouts_and_retries()
    {
        var deployed = Deploy("nginx/bulwark.conf");
        var stock = NginxConfig.WithStockTimeouts(deployed);

        Assert.Matches(@"proxy_read_timeout\s+10s;", deployed);
        foreach (var directive in new[] { "proxy_connect_timeout", "proxy_send_timeout", "proxy_read_timeout", "proxy_next_upstream", "proxy_next_upstream_timeout" })
            Assert.DoesNotMatch($@"(?m)^\s*{directive}\b", stock);
        // Everything else of the deployed file stays: upstream, keep-alive, forwarded headers, the /metrics rule.
        Assert.Contains("keepalive 256;", stock, StringComparison.Ordinal);
        Assert.Contains("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;", stock, StringComparison.Ordinal);
        Assert.Contains("location = /metrics", stock, StringComparison.Ordinal);
    }

    [Fact]
    public void The_deployed_nginx_never_retries_a_post_and_a_config_that_would_is_caught()
    {
        var deployed = Deploy("nginx/bulwark.conf");

        Assert.False(NginxConfig.RetriesNonIdempotent(deployed));
        Assert.False(NginxConfig.RetriesNonIdempotent(NginxConfig.WithStockTimeouts(deployed)));
        Assert.True(NginxConfig.RetriesNonIdempotent(deployed.Replace("proxy_next_upstream error timeout;", "proxy_next_upstream error timeout non_idempotent;", StringComparison.Ordinal)));
    }
}
