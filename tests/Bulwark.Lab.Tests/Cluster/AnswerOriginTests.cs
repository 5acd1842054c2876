using Bulwark.Lab.Cluster;
using Bulwark.Lab.Load;

namespace Bulwark.Lab.Tests.Cluster;

/// <summary>Behind nginx an answer is the shop's (JSON, problem details for errors) or nginx's own (an HTML error page).</summary>
public sealed class AnswerOriginTests
{
    [Theory]
    [InlineData(504, "text/html", AnswerOrigin.Proxy)]
    [InlineData(502, "text/html", AnswerOrigin.Proxy)]
    [InlineData(503, "application/problem+json", AnswerOrigin.Shop)]
    [InlineData(500, "application/problem+json", AnswerOrigin.Shop)]
    [InlineData(201, "application/json", AnswerOrigin.Shop)]
    [InlineData(404, null, AnswerOrigin.Shop)]
    [InlineData(null, null, AnswerOrigin.None)]
    public void An_answer_is_told_apart_by_its_media_type(int? status, string? contentType, AnswerOrigin expected) =>
        Assert.Equal(expected, AnswerOrigins.Of(status, contentType));

    [Fact]
    public void The_tally_counts_answers_by_class_status_and_origin()
    {
        var tally = new AnswerTally();
        void Answer(RequestClass c, Outcome outcome, int? status, string? type) =>
            tally.Record(new CompletedRequest(c, outcome, status, TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10)) { ContentType = type });

        Answer(RequestClass.Checkout, Outcome.Error, 504, "text/html");
        Answer(RequestClass.Checkout, Outcome.Error, 504, "text/html");
        Answer(RequestClass.Checkout, Outcome.Shed, 503, "application/problem+json");
        Answer(RequestClass.Browse, Outcome.Success, 200, "application/json");
        Answer(RequestClass.Browse, Outcome.Timeout, null, null);

        var counts = AnswerTally.Count(tally.Answers);

        Assert.Equal(
        [
            new AnswerCount("browse", null, "none", 1),
            new AnswerCount("browse", 200, "shop", 1),
            new AnswerCount("checkout", 503, "shop", 1),
            new AnswerCount("checkout", 504, "nginx", 2),
        ], counts);
        Assert.All(tally.Answers, a => Assert.Equal(3, a.AtSeconds));
    }
}

/// <summary>nginx's error log says why it answered: a dead instance, an instance too slow to accept, or none left.</summary>
public sealed class NginxErrorLogTests
{
    [Fact]
    public void Lines_are_counted_by_level_and_message_without_request_client_or_connection()
    {
        string[] log =
        [
            """2026/12/02 08:53:01 [error] 271#271: *4561 no live upstreams while connecting to upstream, client: 127.0.0.2, server: _, request: "GET /api/products/1 HTTP/1.1", upstream: "http://bulwark_shop/api/products/1", host: "127.0.0.1:38631" """,
            """2026/12/02 08:53:01 [error] 271#271: *4562 no live upstreams while connecting to upstream, client: 127.0.0.9, server: _, request: "POST /api/checkout HTTP/1.1" """,
            """2026/12/02 08:53:02 [warn] 271#271: *4563 upstream server temporarily disabled while connecting to upstream, client: 127.0.0.3""",
            """2026/12/02 08:52:59 [alert] 271#271: 1024 worker_connections are not enough""",
            "not an nginx line",
        ];

        var reasons = NginxErrorLog.Reasons(log);

        Assert.Equal(3, reasons.Count);
        Assert.Equal(2, reasons["[error] no live upstreams while connecting to upstream"]);
        Assert.Equal(1, reasons["[warn] upstream server temporarily disabled while connecting to upstream"]);
        Assert.Equal(1, reasons["[alert] 1024 worker_connections are not enough"]);
    }
}
