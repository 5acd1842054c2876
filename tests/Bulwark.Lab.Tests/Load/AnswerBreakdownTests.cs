using Bulwark.Lab.Load;

namespace Bulwark.Lab.Tests.Load;

public class AnswerBreakdownTests
{
    static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Late_answers_are_told_by_class_and_outcome_and_timeouts_are_not_among_them()
    {
        var recorder = new RunRecorder(ServiceLevel.Default, TimeSpan.FromSeconds(10));
        recorder.Completed(RequestClass.Browse, Outcome.Shed, Ms(3_000), Ms(2_400), status: 503);
        recorder.Completed(RequestClass.Browse, Outcome.Shed, Ms(3_100), Ms(2_100), status: 503);
        recorder.Completed(RequestClass.Browse, Outcome.Success, Ms(3_200), Ms(2_050), status: 200);
        recorder.Completed(RequestClass.Browse, Outcome.Success, Ms(3_300), Ms(150), status: 200);
        recorder.Completed(RequestClass.Checkout, Outcome.Success, Ms(4_000), Ms(2_500), status: 201);
        recorder.Completed(RequestClass.Checkout, Outcome.Timeout, Ms(9_000), Ms(8_000));

        Assert.Equal("browse 3 (success 1, shed 2); checkout 1 (success 1)", AnswerBreakdown.Late(recorder.Classes));
        Assert.Equal(2, recorder[RequestClass.Browse].SlowerThanDeadlineWith(Outcome.Shed));
    }

    [Fact]
    public void An_action_of_several_requests_is_late_only_when_one_of_its_requests_was()
    {
        var recorder = new RunRecorder(ServiceLevel.Default, TimeSpan.FromSeconds(10));
        // Cart update and checkout 1.3 s each: 2.6 s for the purchase, neither request past the 2 s deadline.
        recorder.Completed(RequestClass.Checkout, Outcome.Success, Ms(3_000), Ms(2_600), status: 201, took: Ms(1_300), slowestRequest: Ms(1_300));
        // A quick checkout after a cart update that took 2.1 s: late.
        recorder.Completed(RequestClass.Checkout, Outcome.Shed, Ms(3_000), Ms(2_150), status: 503, took: Ms(50), slowestRequest: Ms(2_100));

        Assert.Equal("checkout 1 (shed 1)", AnswerBreakdown.Late(recorder.Classes));
        Assert.InRange(recorder[RequestClass.Checkout].Successful.MaxMicros, 1_290_000, 1_310_000);   // recorded as its slower request
    }

    [Fact]
    public void A_purchase_meets_the_slo_when_each_of_its_requests_does()
    {
        var recorder = new RunRecorder(ServiceLevel.Default, TimeSpan.FromSeconds(10));
        recorder.Completed(RequestClass.Checkout, Outcome.Success, Ms(1_000), Ms(300), status: 201, took: Ms(150), slowestRequest: Ms(150));
        recorder.Completed(RequestClass.Checkout, Outcome.Success, Ms(1_000), Ms(300), status: 201, took: Ms(50), slowestRequest: Ms(250));

        Assert.Equal(1, recorder[RequestClass.Checkout].Good);
    }

    [Fact]
    public void Every_answer_is_told_by_class_and_outcome()
    {
        var recorder = new RunRecorder(ServiceLevel.Default, TimeSpan.FromSeconds(10));
        recorder.Completed(RequestClass.Checkout, Outcome.Success, Ms(100), Ms(90), status: 201);
        recorder.Completed(RequestClass.Checkout, Outcome.Shed, Ms(100), Ms(3), status: 503);
        recorder.Completed(RequestClass.Checkout, Outcome.Shed, Ms(100), Ms(4), status: 503);
        recorder.Dropped(RequestClass.Browse, Ms(100));

        Assert.Equal("browse 1 (dropped 1); checkout 3 (success 1, shed 2)", AnswerBreakdown.All(recorder.Classes));
    }

    [Fact]
    public void Latencies_are_told_by_class_successes_and_refusals_apart()
    {
        var recorder = new RunRecorder(ServiceLevel.Default, TimeSpan.FromSeconds(10));
        recorder.Completed(RequestClass.Checkout, Outcome.Success, Ms(100), Ms(90), status: 201);
        recorder.Completed(RequestClass.Checkout, Outcome.Shed, Ms(100), Ms(4), status: 503);
        recorder.Completed(RequestClass.Browse, Outcome.Success, Ms(100), Ms(2), status: 200);

        Assert.Equal("browse success 2/2; checkout success 90/90, shed 4/4", AnswerBreakdown.Latencies(recorder.Classes));
        Assert.Null(AnswerBreakdown.Latencies(new RunRecorder(ServiceLevel.Default, TimeSpan.FromSeconds(10)).Classes));
    }

    [Fact]
    public void Nothing_late_says_nothing()
    {
        var recorder = new RunRecorder(ServiceLevel.Default, TimeSpan.FromSeconds(10));
        recorder.Completed(RequestClass.Checkout, Outcome.Success, Ms(100), Ms(90), status: 201);

        Assert.Null(AnswerBreakdown.Late(recorder.Classes));
    }
}
