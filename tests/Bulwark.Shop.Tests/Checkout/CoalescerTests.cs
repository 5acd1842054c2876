using Bulwark.Guard.Gate;
using Bulwark.Shop.Checkout;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Shop.Tests.Checkout;

/// <summary>
/// The batching alone, with a stand-in for the database: each batch waits until the test lets it finish, and the
/// clock moves only when the test moves it. No sleeps: every step waits for the event it needs.
/// </summary>
public sealed class CoalescerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly Channel _batches = new();
    private readonly TaskCompletionSource<(string Request, string Result)> _abandoned = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The undo of an abandoned result: done at once unless a test holds it.</summary>
    private TaskCompletionSource _undo = CompletedUndo();

    [Fact]
    public async Task Requests_arriving_while_a_batch_runs_go_together_in_the_next_batch_in_arrival_order()
    {
        var coalescer = Coalescer();
        var first = coalescer.RunAsync("a", null, CancellationToken.None);
        var running = await _batches.NextAsync();
        Assert.Equal(["a"], running.Requests);

        var later = Queue(coalescer, "b", "c", "d");
        Assert.Equal(3, coalescer.Waiting);
        running.Finish();
        Assert.Equal("a done", await first);

        var next = await _batches.NextAsync();
        Assert.Equal(["b", "c", "d"], next.Requests);
        next.Finish();
        Assert.Equal(["b done", "c done", "d done"], await Task.WhenAll(later));
    }

    [Fact]
    public async Task A_batch_takes_at_most_the_batch_size_and_the_rest_go_in_the_one_after()
    {
        var coalescer = Coalescer(maxBatch: 2);
        var running = await BusyAsync(coalescer);
        var waiting = Queue(coalescer, "b", "c", "d");
        running.Finish();

        var second = await _batches.NextAsync();
        Assert.Equal(["b", "c"], second.Requests);
        second.Finish();
        var third = await _batches.NextAsync();
        Assert.Equal(["d"], third.Requests);
        third.Finish();
        await Task.WhenAll(waiting);
    }

    [Fact]
    public async Task A_request_whose_deadline_passes_while_it_waits_is_refused_then_and_never_runs()
    {
        var coalescer = Coalescer();
        var running = await BusyAsync(coalescer);
        var late = coalescer.RunAsync("b", Start.AddMilliseconds(100), CancellationToken.None);
        var patient = coalescer.RunAsync("c", Start.AddSeconds(2), CancellationToken.None);

        _clock.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(late.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var refused = await Assert.ThrowsAsync<AdmissionRejectedException>(() => late);
        Assert.Equal(RejectionReason.Expired, refused.Reason);
        Assert.Equal(1, coalescer.Waiting);

        running.Finish();
        var next = await _batches.NextAsync();
        Assert.Equal(["c"], next.Requests);
        // The batch runs under the deadline of the members it holds.
        Assert.Equal(Start.AddSeconds(2), next.Deadline);
        next.Finish();
        Assert.Equal("c done", await patient);
    }

    [Fact]
    public async Task A_request_whose_deadline_would_pass_before_a_batch_of_the_usual_length_ends_is_refused_without_running()
    {
        var coalescer = Coalescer();
        var running = await BusyAsync(coalescer);
        var oldest = coalescer.RunAsync("z", null, CancellationToken.None);
        var hurried = coalescer.RunAsync("b", Start.AddMilliseconds(400), CancellationToken.None);
        var patient = coalescer.RunAsync("c", Start.AddSeconds(2), CancellationToken.None);

        // The first batch takes 300 ms: at 300 ms "b" has 100 ms left, less than a batch takes.
        _clock.Advance(TimeSpan.FromMilliseconds(300));
        running.Finish();
        Assert.Equal(RejectionReason.Expired, (await Assert.ThrowsAsync<AdmissionRejectedException>(() => hurried)).Reason);
        var next = await _batches.NextAsync();
        Assert.Equal(["z", "c"], next.Requests);
        next.Finish();
        await Task.WhenAll(oldest, patient);
    }

    [Fact]
    public async Task One_batch_slower_than_every_deadline_does_not_refuse_everyone_after_it()
    {
        var coalescer = Coalescer();
        var running = await BusyAsync(coalescer);
        _clock.Advance(TimeSpan.FromSeconds(3));
        var oldest = coalescer.RunAsync("b", Start.AddSeconds(5), CancellationToken.None);
        var next = coalescer.RunAsync("c", Start.AddSeconds(5), CancellationToken.None);
        running.Finish();

        // A batch takes three seconds by the estimate, longer than either has left: the oldest runs all the same and
        // renews the estimate; the other is refused at once.
        var probe = await _batches.NextAsync();
        Assert.Equal(["b"], probe.Requests);
        Assert.Equal(RejectionReason.Expired, (await Assert.ThrowsAsync<AdmissionRejectedException>(() => next)).Reason);
        probe.Finish();
        Assert.Equal("b done", await oldest);
    }

    [Fact]
    public async Task A_request_whose_deadline_passes_in_its_running_batch_is_refused_then_and_its_result_is_handed_back()
    {
        var coalescer = Coalescer();
        var early = coalescer.RunAsync("a", Start.AddMilliseconds(100), CancellationToken.None);
        var running = await _batches.NextAsync();
        Assert.Equal(Start.AddMilliseconds(100), running.Deadline);

        _clock.Advance(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAsync<AdmissionRejectedException>(() => early);
        Assert.False(_abandoned.Task.IsCompleted);
        running.Finish();
        Assert.Equal(("a", "a done"), await _abandoned.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task The_same_request_sent_again_while_its_abandoned_result_is_undone_waits_for_the_undo_then_runs()
    {
        _undo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var coalescer = Coalescer();
        var early = coalescer.RunAsync("a", Start.AddMilliseconds(100), CancellationToken.None);
        var running = await _batches.NextAsync();
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAsync<AdmissionRejectedException>(() => early);

        // Told "busy", the caller sends it again while the first try still runs, then while its result is undone.
        var again = coalescer.RunAsync("a", null, CancellationToken.None);
        running.Finish();
        Assert.Equal(("a", "a done"), await _abandoned.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        var other = coalescer.RunAsync("b", null, CancellationToken.None);
        var next = await _batches.NextAsync();
        Assert.Equal(["b"], next.Requests);
        next.Finish();
        Assert.Equal("b done", await other);
        Assert.False(again.IsCompleted);

        _undo.SetResult();
        var after = await _batches.NextAsync();
        Assert.Equal(["a"], after.Requests);
        after.Finish();
        Assert.Equal("a done", await again);
    }

    [Fact]
    public async Task A_request_whose_caller_gives_up_leaves_the_queue()
    {
        var coalescer = Coalescer();
        var running = await BusyAsync(coalescer);
        using var gone = new CancellationTokenSource();
        var leaving = coalescer.RunAsync("b", null, gone.Token);
        var staying = coalescer.RunAsync("c", null, CancellationToken.None);

        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        running.Finish();
        var next = await _batches.NextAsync();
        Assert.Equal(["c"], next.Requests);
        next.Finish();
        await staying;
    }

    [Fact]
    public async Task The_same_key_twice_at_once_goes_in_two_batches()
    {
        var coalescer = Coalescer();
        var running = await BusyAsync(coalescer);
        var twice = Queue(coalescer, "k", "b", "k");
        running.Finish();

        var second = await _batches.NextAsync();
        Assert.Equal(["k", "b"], second.Requests);
        second.Finish();
        var third = await _batches.NextAsync();
        Assert.Equal(["k"], third.Requests);
        third.Finish();
        await Task.WhenAll(twice);
    }

    [Fact]
    public async Task A_batch_that_fails_runs_again_one_request_at_a_time_so_only_the_bad_one_fails()
    {
        var coalescer = Coalescer();
        var running = await BusyAsync(coalescer);
        var answers = Queue(coalescer, "b", "bad", "c");
        running.Finish();

        (await _batches.NextAsync()).Fail(new InvalidOperationException("one bad request"));
        foreach (var request in new[] { "b", "bad", "c" })
        {
            var alone = await _batches.NextAsync();
            Assert.Equal([request], alone.Requests);
            if (request == "bad")
            {
                alone.Fail(new InvalidOperationException("still bad"));
            }
            else
            {
                alone.Finish();
            }
        }

        Assert.Equal("b done", await answers[0]);
        Assert.Equal("still bad", (await Assert.ThrowsAsync<InvalidOperationException>(() => answers[1])).Message);
        Assert.Equal("c done", await answers[2]);
    }

    [Fact]
    public async Task A_refusal_of_the_whole_batch_is_every_members_answer_without_retrying_them_one_by_one()
    {
        var coalescer = Coalescer();
        var running = await BusyAsync(coalescer);
        var answers = Queue(coalescer, "b", "c");
        running.Finish();

        (await _batches.NextAsync()).Fail(new AdmissionRejectedException(Priority.Critical, RejectionReason.QueueFull, TimeSpan.FromSeconds(1)));
        foreach (var answer in answers)
        {
            Assert.Equal(RejectionReason.QueueFull, (await Assert.ThrowsAsync<AdmissionRejectedException>(() => answer)).Reason);
        }

        // Nothing was run again for them: the next batch holds only what arrives next.
        var after = coalescer.RunAsync("d", null, CancellationToken.None);
        var next = await _batches.NextAsync();
        Assert.Equal(["d"], next.Requests);
        next.Finish();
        await after;
    }

    [Fact]
    public async Task A_request_passed_over_by_full_batches_for_longer_than_the_wait_target_is_refused_not_kept_waiting()
    {
        var coalescer = Coalescer(maxBatch: 2, maxWait: TimeSpan.FromMilliseconds(50));
        var running = await BusyAsync(coalescer);
        var waiting = Queue(coalescer, "b", "c", "d");
        _clock.Advance(TimeSpan.FromMilliseconds(10));
        running.Finish();

        // b and c waited one batch (10 ms): they go. d is left for the batch after, which takes 100 ms.
        var second = await _batches.NextAsync();
        Assert.Equal(["b", "c"], second.Requests);
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        second.Finish();

        // d has now waited 110 ms, more than the 50 ms target plus a batch's usual length: refused as the gate would.
        var refused = await Assert.ThrowsAsync<AdmissionRejectedException>(() => waiting[2]);
        Assert.Equal(RejectionReason.Expired, refused.Reason);
        Assert.Equal(["b done", "c done"], await Task.WhenAll(waiting.Take(2)));

        // A request arriving now waits for nothing and runs.
        var fresh = coalescer.RunAsync("e", null, CancellationToken.None);
        var next = await _batches.NextAsync();
        Assert.Equal(["e"], next.Requests);
        next.Finish();
        Assert.Equal("e done", await fresh);
    }

    [Fact]
    public async Task A_request_metered_upstream_passed_over_by_full_batches_waits_for_its_turn_within_its_deadline()
    {
        // Asked as each request joins, in its caller's context: here, which request is joining.
        string? joining = null;
        var coalescer = Coalescer(maxBatch: 2, maxWait: TimeSpan.FromMilliseconds(50), waitsOutItsDeadline: () => joining == "d");
        var running = await BusyAsync(coalescer);
        var waiting = new[] { "b", "c", "d" }.Select(request =>
        {
            joining = request;
            return coalescer.RunAsync(request, _clock.GetUtcNow() + TimeSpan.FromSeconds(2), CancellationToken.None);
        }).ToList();
        _clock.Advance(TimeSpan.FromMilliseconds(10));
        running.Finish();
        var second = await _batches.NextAsync();
        Assert.Equal(["b", "c"], second.Requests);
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        second.Finish();

        // d waited 110 ms, past the 50 ms target plus a batch, as in the test above; let in upstream, it still runs.
        var third = await _batches.NextAsync();
        Assert.Equal(["d"], third.Requests);
        third.Finish();
        Assert.Equal(["b done", "c done", "d done"], await Task.WhenAll(waiting));
    }

    private static TaskCompletionSource CompletedUndo()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }

    /// <summary>Starts a batch of one ("a") and holds it running, so that what arrives next waits for the next batch.</summary>
    private async Task<Batch> BusyAsync(Coalescer<string, string> coalescer)
    {
        _ = coalescer.RunAsync("a", null, CancellationToken.None);
        return await _batches.NextAsync();
    }

    private static List<Task<string>> Queue(Coalescer<string, string> coalescer, params string[] requests) =>
        requests.Select(request => coalescer.RunAsync(request, null, CancellationToken.None)).ToList();

    private Coalescer<string, string> Coalescer(int maxBatch = 64, TimeSpan? maxWait = null, Func<bool>? waitsOutItsDeadline = null) => new(
        _batches.RunAsync, new CoalescerLimits(maxBatch, MaxBatchesInFlight: 1), _clock,
        identity: request => request,
        expired: () => new AdmissionRejectedException(Priority.Critical, RejectionReason.Expired, TimeSpan.FromSeconds(1)),
        abandoned: (request, result) =>
        {
            _abandoned.TrySetResult((request, result));
            return _undo.Task;
        },
        maxWait: maxWait is { } wait ? () => wait : null,
        waitsOutItsDeadline: waitsOutItsDeadline);

    /// <summary>Batches handed to the stand-in database, each held until the test finishes or fails it.</summary>
    private sealed class Channel
    {
        private readonly System.Threading.Channels.Channel<Batch> _started = System.Threading.Channels.Channel.CreateUnbounded<Batch>();
        public async Task<IReadOnlyList<string>> RunAsync(IReadOnlyList<string> requests, DateTimeOffset? deadline)
        {
            var batch = new Batch(requests, deadline);
            await _started.Writer.WriteAsync(batch);
            return await batch.Result.Task;
        }

        public async Task<Batch> NextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await _started.Reader.ReadAsync(timeout.Token);
        }
    }

    private sealed class Batch(IReadOnlyList<string> requests, DateTimeOffset? deadline)
    {
        public IReadOnlyList<string> Requests { get; } = requests;

        public DateTimeOffset? Deadline { get; } = deadline;

        public TaskCompletionSource<IReadOnlyList<string>> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Finish() => Result.SetResult(Requests.Select(request => $"{request} done").ToList());

        public void Fail(Exception failure) => Result.SetException(failure);
    }
}
