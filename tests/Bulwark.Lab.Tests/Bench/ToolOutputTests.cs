using Bulwark.Lab.Bench;

namespace Bulwark.Lab.Tests.Bench;

public class ToolOutputTests
{
    const string PgbenchOutput = """
        pgbench (15.18 (Debian 15.18-0+deb12u1))
        transaction type: /tmp/checkout.sql
        scaling factor: 1
        query mode: extended
        number of clients: 8
        number of threads: 2
        maximum number of tries: 1
        duration: 5 s
        number of transactions actually processed: 4523
        number of failed transactions: 0 (0.000%)
        latency average = 8.843 ms
        initial connection time = 12.345 ms
        tps = 904.613522 (without initial connection time)
        """;

    [Fact]
    public void Pgbench_tps_is_the_figure_without_connection_time()
    {
        Assert.Equal(904.613522, Pgbench.ParseTps(PgbenchOutput));
        Assert.Equal(12.5, Pgbench.ParseTps("tps = 11.000000 (including connections establishing)\ntps = 12.500000 (excluding connections establishing)\n"));
        Assert.Null(Pgbench.ParseTps("pgbench: error: connection to server failed"));
        Assert.Equal(0, Pgbench.ParseTps("duration: 2 s\nnumber of transactions actually processed: 0\nnumber of failed transactions: 0 (NaN%)\n"));
        Assert.Null(Pgbench.ParseTps("number of transactions actually processed: 0/100\n"));
    }

    [Fact]
    public void Pgbench_log_lines_give_latency_in_microseconds_and_mark_failures()
    {
        Assert.Equal((8843L, false), Pgbench.ParseLogLine("0 199 8843 0 1732191234 123456"));
        Assert.Equal((0L, true), Pgbench.ParseLogLine("3 12 failed 0 1732191234 123456"));
        Assert.Null(Pgbench.ParseLogLine("garbage"));
    }

    [Fact]
    public void Wrk_summary_gives_rate_percentiles_and_every_kind_of_failure()
    {
        const string output = """
            Running 5s test @ http://127.0.0.1:5080
              2 threads and 32 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency     4.12ms    2.01ms  41.30ms   88.00%
                Req/Sec     3.90k   320.11     4.50k    70.00%
              Latency Distribution
                 50%    3.80ms
                 75%    4.90ms
                 90%    6.10ms
                 99%    1.20s
              38812 requests in 5.01s, 61.21MB read
              Socket errors: connect 0, read 2, write 0, timeout 3
              Non-2xx or 3xx responses: 17
            Requests/sec:   7746.90
            Transfer/sec:     12.22MB
            """;

        var result = Wrk.Parse(output, 32);

        Assert.Equal(38812, result.Requests);
        Assert.Equal(7746.90, result.Rps);
        Assert.Equal(3.80, result.P50Ms, 6);
        Assert.Equal(1200, result.P99Ms, 6);
        Assert.Equal(17, result.Non2xx);
        Assert.Equal(5, result.SocketErrors);
        Assert.Equal(5.01, result.Seconds, 6);
    }

    [Fact]
    public void Wrk_microsecond_percentiles_are_converted_to_milliseconds()
    {
        var result = Wrk.Parse("  Latency Distribution\n     50%  812.00us\n     99%    2.50ms\n  100 requests in 1.00s, 1MB read\nRequests/sec: 100.00\n", 1);

        Assert.Equal(0.812, result.P50Ms, 6);
        Assert.Equal(2.5, result.P99Ms, 6);
        Assert.Equal(0, result.Non2xx);
    }

    [Fact]
    public void Output_that_is_not_wrks_is_refused_rather_than_read_as_zero()
    {
        Assert.Throws<FormatException>(() => Wrk.Parse("unable to connect to 127.0.0.1:1 Connection refused", 8));
    }
}
