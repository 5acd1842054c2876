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
