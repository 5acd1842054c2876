using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Tests.Postgres;
using Xunit.Abstractions;

namespace Bulwark.Guard.Tests.Http;

[Collection(PostgresCollection.Name)]
public sealed class EdgeAdmissionTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    /// <summary>Lateness the test machine may add beyond a deadline (two cores, hundreds of sockets).</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(1);

    private sealed record Answer(string Path, HttpStatusCode Status, TimeSpan Took, int? RetryAfter, string? Reason);

    private static async Task<Answer> SendAsync(HttpClient client, HttpMethod method, string path, string? user = null, string? turn = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (turn is not null)
        {
            request.Headers.Add(GuardedTestApp.TurnHeader.Name, turn);
        }

        if (user is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", user);
        }

        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        clock.Stop();
        string? reason = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            reason = JsonDocument.Parse(body).RootElement.GetProperty("reason").GetString();
        }

        var retryAfter = response.Headers.RetryAfter?.Delta is { } delta ? (int)delta.TotalSeconds : (int?)null;
        return new Answer(path, response.StatusCode, clock.Elapsed, retryAfter, reason);
    }

    /// <summary>
    /// After a warm-up (the gate learns how long work holds a connection), ~700 browse requests a second for
    /// 1.5 s against a capacity of ~100, with whatever <paramref name="alongside"/> adds on each 10 ms tick.
    /// </summary>
    private static async Task<Answer[]> OverloadAsync(GuardedTestApp app, Action<int, List<Task<Answer>>> alongside)
    {
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(app.Client, HttpMethod.Get, "/browse")).Status);
        }

        var sends = new List<Task<Answer>>();
        for (var tick = 0; tick < 150; tick++)
        {
            for (var i = 0; i < 7; i++)
            {
                sends.Add(SendAsync(app.Client, HttpMethod.Get, "/browse"));
            }

            alongside(tick, sends);
            await Task.Delay(10);
        }

        return await Task.WhenAll(sends);
    }

    /// <summary>An app whose gate holds four connections, whatever it measures, and limits no client's rate.</summary>
    private Task<GuardedTestApp> StartFixedCapacityAppAsync() =>
        GuardedTestApp.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["RateLimit:Enabled"] = "false",
            ["Algorithm"] = "fixed",
            ["InitialLimit"] = "4",
        });

    [Fact]
    public async Task Under_overload_browsing_gets_fast_503s_with_retry_after_while_checkout_is_served()
    {
        await using var app = await StartFixedCapacityAppAsync();

        // Checkouts among the browsing overload.
        var answers = await OverloadAsync(app, (tick, sends) =>
        {
            if (tick % 5 == 0)
            {
                sends.Add(SendAsync(app.Client, HttpMethod.Post, "/checkout"));
            }
        });
        var browse = answers.Where(a => a.Path == "/browse").ToList();
        var checkout = answers.Where(a => a.Path == "/checkout").ToList();
        var shed = browse.Where(a => a.Status == HttpStatusCode.ServiceUnavailable).ToList();
        output.WriteLine($"browse: {browse.Count(a => a.Status == HttpStatusCode.OK)} served, {shed.Count} refused " +
            $"(p50 {Percentile(shed, 0.5):F0} ms, p99 {Percentile(shed, 0.99):F0} ms); checkout: " +
            $"{checkout.Count(a => a.Status == HttpStatusCode.OK)}/{checkout.Count} served (p99 {Percentile(checkout, 0.99):F0} ms); " +
            $"slowest answer {answers.Max(a => a.Took).TotalMilliseconds:F0} ms");

        Assert.True(shed.Count > browse.Count / 2, $"only {shed.Count} of {browse.Count} browse requests were shed");
        Assert.All(shed, a => Assert.True(a.RetryAfter >= 1, "503 without Retry-After"));
        Assert.All(checkout, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.DoesNotContain(answers, a => a.Status is not (HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable));
        Assert.True(Percentile(shed, 0.5) < 100, "refusals should come back at once, not after waiting");
        Assert.All(answers, a => Assert.True(a.Took < Deadline + Slack, $"{a.Path} took {a.Took}"));
    }

    [Fact]
    public async Task Requests_holding_a_turn_metered_upstream_or_joining_a_line_pass_the_edge_while_the_same_work_is_shed_for_others()
    {
        await using var app = await StartFixedCapacityAppAsync();

        // A few browse requests a tick hold a turn (as admitted buyers hold a waiting room's admission); one a tick
        // claims a turn the check does not accept.
        var answers = await OverloadAsync(app, (tick, sends) =>
        {
            if (tick % 5 == 0)
            {
                sends.Add(SendAsync(app.Client, HttpMethod.Get, "/browse?turn", turn: "granted"));
                sends.Add(SendAsync(app.Client, HttpMethod.Get, "/join"));
            }

            sends.Add(SendAsync(app.Client, HttpMethod.Get, "/browse?forged", turn: "please"));
        });
        var plain = answers.Where(a => a.Path == "/browse").ToList();
        var turns = answers.Where(a => a.Path == "/browse?turn").ToList();
        var forged = answers.Where(a => a.Path == "/browse?forged").ToList();
        output.WriteLine($"browse shed {plain.Count(a => a.Status != HttpStatusCode.OK)}/{plain.Count}; with a turn " +
            $"{turns.Count(a => a.Status == HttpStatusCode.OK)}/{turns.Count} served (p99 {Percentile(turns, 0.99):F0} ms); " +
            $"forged turns shed {forged.Count(a => a.Reason == "queue_delay")}/{forged.Count}");

        Assert.True(plain.Count(a => a.Status == HttpStatusCode.ServiceUnavailable) > plain.Count / 2, "the overload did not shed browsing");
        Assert.True(forged.Count(a => a.Reason == "queue_delay") > forged.Count / 2, "a turn the check refuses must be shed like any other");
        Assert.All(turns, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(answers.Where(a => a.Path == "/join"), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(answers, a => Assert.True(a.Took < Deadline + Slack, $"{a.Path} took {a.Took}"));
    }

    [Fact]
    public async Task Cache_first_endpoints_are_served_from_cache_under_overload_and_shed_only_when_they_need_the_database()
    {
        await using var app = await StartFixedCapacityAppAsync();
        // Cache hits and cache misses of a deferred-shedding endpoint among the browsing overload.
        var answers = await OverloadAsync(app, (_, sends) =>
        {
            sends.Add(SendAsync(app.Client, HttpMethod.Get, "/cached?miss=false"));
            sends.Add(SendAsync(app.Client, HttpMethod.Get, "/cached?miss=true"));
        });
        var hits = answers.Where(a => a.Path.EndsWith("false", StringComparison.Ordinal)).ToList();
        var misses = answers.Where(a => a.Path.EndsWith("true", StringComparison.Ordinal)).ToList();
        var browseShed = answers.Count(a => a.Path == "/browse" && a.Status == HttpStatusCode.ServiceUnavailable);
        output.WriteLine($"browse shed {browseShed}; cache hits {hits.Count(a => a.Status == HttpStatusCode.OK)}/{hits.Count} served; " +
            $"cache misses {misses.Count(a => a.Status == HttpStatusCode.ServiceUnavailable)}/{misses.Count} shed at the gate");

        Assert.True(browseShed > 0, "the overload did not build a queue");
        Assert.All(hits, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        var shedMisses = misses.Where(a => a.Status == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(shedMisses);
        Assert.All(shedMisses, a => Assert.True(a.RetryAfter >= 1 && a.Reason == "queue_delay", $"{a.Reason} retry-after {a.RetryAfter}"));
    }

    [Fact]
    public async Task Lower_priority_work_inside_a_request_the_edge_passed_waits_at_the_gate_no_longer_than_the_request_could()
    {
        await using var app = await StartFixedCapacityAppAsync();
        // The edge judges /cart-step as critical (a short critical queue lets it pass); its work asks the gate at normal,
        // half again what the connections can serve. Before, such work met no target and waited until its deadline was
        // hopeless; now its line may be as long as critical's target allows, no longer.
        var answers = await OverloadAsync(app, (_, sends) =>
        {
            sends.Add(SendAsync(app.Client, HttpMethod.Post, "/cart-step"));
            sends.Add(SendAsync(app.Client, HttpMethod.Post, "/cart-step"));
        });
        var steps = answers.Where(a => a.Path == "/cart-step").ToList();
        var refused = steps.Where(a => a.Status == HttpStatusCode.ServiceUnavailable).ToList();
        output.WriteLine($"cart steps {steps.Count(a => a.Status == HttpStatusCode.OK)}/{steps.Count} served; {refused.Count} refused " +
            $"(p50 {Percentile(refused, 0.5):F0} ms, p99 {Percentile(refused, 0.99):F0} ms; {string.Join(", ", refused.CountBy(a => a.Reason ?? "none"))})");

        Assert.NotEmpty(refused);
        Assert.True(refused.Count(a => a.Reason == "queue_delay") > refused.Count * 0.9, "refused for something other than its queue delay");
        Assert.All(refused, a => Assert.True(a.RetryAfter >= 1, "503 without Retry-After"));
        Assert.True(Percentile(refused, 0.5) < 100, "refusals should come back at once, not after waiting");
        Assert.Contains(steps, a => a.Status == HttpStatusCode.OK);
        Assert.DoesNotContain(steps, a => a.Status is not (HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable));
    }

    [Fact]
    public async Task One_noisy_client_gets_429_with_retry_after_while_the_others_are_served()
    {
        await using var app = await GuardedTestApp.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["RateLimit:PermitsPerSecond"] = "5",
            ["RateLimit:Burst"] = "5",
        });

        var noisy = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => SendAsync(app.Client, HttpMethod.Get, "/hello", "noisy")));
        var others = await Task.WhenAll(Enumerable.Range(0, 3).SelectMany(u => Enumerable.Range(0, 3)
            .Select(_ => SendAsync(app.Client, HttpMethod.Get, "/hello", $"quiet-{u}"))));

        var limited = noisy.Where(a => a.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(limited.Count, 20, 35); // 40 − a burst of 5 − whatever refilled while they were sent
        Assert.All(limited, a => Assert.Equal("rate_limited", a.Reason));
        Assert.All(limited, a => Assert.True(a.RetryAfter >= 1));
        Assert.All(others, a => Assert.Equal(HttpStatusCode.OK, a.Status));
    }

    [Fact]
    public async Task The_work_inside_gets_the_deadline_less_a_reserve_for_the_answer()
    {
        await using var app = await GuardedTestApp.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>());

        using var response = await app.Client.GetAsync("/deadline-left");
        var left = TimeSpan.FromMilliseconds(double.Parse(await response.Content.ReadAsStringAsync(), System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.InRange(left, Deadline / 2, Deadline - Bulwark.Guard.Deadlines.DeadlineBudget.Reserve);
    }

    [Fact]
    public async Task Only_a_request_holding_a_turn_given_upstream_is_marked_metered_for_the_work_inside()
    {
        await using var app = await GuardedTestApp.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>());

        using var plain = await app.Client.GetAsync("/metered");
        using var turn = new HttpRequestMessage(HttpMethod.Get, "/metered") { Headers = { { GuardedTestApp.TurnHeader.Name, "granted" } } };
        using var granted = await app.Client.SendAsync(turn);
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/metered") { Headers = { { GuardedTestApp.TurnHeader.Name, "please" } } };
        using var refused = await app.Client.SendAsync(forged);

        Assert.Equal("false", await plain.Content.ReadAsStringAsync());
        Assert.Equal("true", await granted.Content.ReadAsStringAsync());
        Assert.Equal("false", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Monitoring_endpoints_are_never_refused_even_for_a_client_over_its_rate()
    {
        await using var app = await GuardedTestApp.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["RateLimit:PermitsPerSecond"] = "5",
            ["RateLimit:Burst"] = "5",
        });

        var hello = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => SendAsync(app.Client, HttpMethod.Get, "/hello", "scraper")));
        var probes = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => SendAsync(app.Client, HttpMethod.Get, "/probe", "scraper")));

        Assert.Contains(hello, a => a.Status == HttpStatusCode.TooManyRequests); // the same client, limited elsewhere
        Assert.All(probes, a => Assert.Equal(HttpStatusCode.OK, a.Status));
    }

    [Fact]
    public async Task An_anonymous_flood_is_refused_at_the_edge_with_prepared_problems_and_what_passed_is_never_refused_later()
    {
        await using var app = await GuardedTestApp.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["RateLimit:PermitsPerSecond"] = "5",
            ["RateLimit:Burst"] = "5",
        });

        var answers = new List<(HttpStatusCode Status, string? ContentType, string Body, bool RetryAfter)>();
        for (var i = 0; i < 60; i++)
        {
            // A checkout without credentials: anything past the edge would run the endpoint.
            using var response = await app.Client.PostAsync("/checkout", null);
            answers.Add((response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(),
                response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1)));
        }

        var refused = answers.Where(a => a.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(refused.Count, 30, 55);
        Assert.All(refused, a =>
        {
            Assert.Equal("application/problem+json", a.ContentType);
            Assert.True(a.RetryAfter);
            var problem = JsonDocument.Parse(a.Body).RootElement;
            Assert.Equal(429, problem.GetProperty("status").GetInt32());
            Assert.Equal("rate_limited", problem.GetProperty("reason").GetString());
            Assert.Equal("critical", problem.GetProperty("priority").GetString()); // known from the route table, before routing
        });

        // Every request the edge let through reached the rest of the pipeline and was served: the edge
        // decides once, first, and nothing after it refuses on its behalf.
        var passed = answers.Count - refused.Count;
        Assert.Equal(passed, app.PastTheEdge);
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.TooManyRequests), a => Assert.Equal(HttpStatusCode.OK, a.Status));
    }

    [Fact]
    public async Task A_request_never_outlives_its_deadline_it_gets_503_with_retry_after_instead()
    {
        await using var app = await GuardedTestApp.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["Deadlines:Normal"] = "00:00:00.500",
        });

        var answer = await SendAsync(app.Client, HttpMethod.Get, "/runaway");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
        Assert.Equal("expired", answer.Reason);
        Assert.True(answer.RetryAfter >= 1);
        Assert.True(answer.Took < TimeSpan.FromMilliseconds(500) + Slack, $"took {answer.Took}");
        Assert.Equal(0, await postgres.ScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%' AND state = 'active'"));
    }

    [Fact]
    public async Task Work_cancelled_by_another_requests_deadline_answers_503_not_500()
    {
        await using var app = await GuardedTestApp.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>());

        var answer = await SendAsync(app.Client, HttpMethod.Get, "/shared-timeout");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
        Assert.Equal("expired", answer.Reason);
        Assert.True(answer.RetryAfter >= 1);
    }

    [Fact]
    public async Task Requests_are_counted_in_flight_by_priority_while_served_and_no_longer_once_answered_or_refused()
    {
        await using var app = await GuardedTestApp.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["Deadlines:Normal"] = "00:00:00.200",
        });

        Assert.Equal("1", await app.Client.GetStringAsync("/critical-in-flight"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await SendAsync(app.Client, HttpMethod.Get, "/runaway")).Status);

        Assert.Equal(0, app.InFlight.Of(Priority.Critical));
        Assert.Equal(0, app.InFlight.Of(Priority.Normal));
        Assert.Equal(0, app.InFlight.MoreImportantThan(Priority.Sheddable));
    }

    [Fact]
    public async Task Only_failed_sign_ins_count_per_account_in_the_handler_and_per_address_at_the_edge()
    {
        await using var app = await GuardedTestApp.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["LoginThrottle:PerAddressBurst"] = "8",
            ["LoginThrottle:PerAccountBurst"] = "3",
        });

        // Successes never count: more correct sign-ins from one address than either budget.
        var correct = new List<Answer>();
        for (var i = 0; i < 12; i++)
        {
            correct.Add(await SendAsync(app.Client, HttpMethod.Post, $"/sessions?email=shopper{i}@example.com&ok=true"));
        }

        var oneAccount = new List<Answer>();
        for (var i = 0; i < 5; i++)
        {
            oneAccount.Add(await SendAsync(app.Client, HttpMethod.Post, "/sessions?email=victim@example.com"));
        }

        // The account is spent for everyone, the right password included; other accounts are not.
        var victimRight = await SendAsync(app.Client, HttpMethod.Post, "/sessions?email=victim@example.com&ok=true");
        var manyAccounts = new List<Answer>();
        for (var i = 0; i < 7; i++)
        {
            manyAccounts.Add(await SendAsync(app.Client, HttpMethod.Post, $"/sessions?email=user{i}@example.com"));
        }

        var pastTheEdge = app.PastTheEdge;
        var afterwards = await SendAsync(app.Client, HttpMethod.Post, "/sessions?email=someone-else@example.com&ok=true");

        Assert.All(correct, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal([401, 401, 401, 429, 429], oneAccount.Select(a => (int)a.Status));
        Assert.Equal("login_throttled", oneAccount[^1].Reason);
        Assert.Equal(HttpStatusCode.TooManyRequests, victimRight.Status);
        // 3 failures on the victim + 5 here = the address's 8; the rest are refused.
        Assert.Equal([401, 401, 401, 401, 401, 429, 429], manyAccounts.Select(a => (int)a.Status));
        Assert.All(manyAccounts.Skip(5), a => Assert.True(a.RetryAfter >= 1));
        // Once the address is spent even a right password is refused, at the edge, before the handler.
        Assert.Equal(HttpStatusCode.TooManyRequests, afterwards.Status);
        Assert.Equal(pastTheEdge, app.PastTheEdge);
    }

    [Fact]
    public async Task Off_mode_sheds_nothing_and_limits_no_one()
    {
        await using var app = await GuardedTestApp.StartAsync(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["Mode"] = "Off",
            ["RateLimit:PermitsPerSecond"] = "1",
            ["RateLimit:Burst"] = "1",
        });

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => SendAsync(app.Client, HttpMethod.Get, "/browse", "noisy")));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(100, app.Statistics.Ceiling);
        Assert.Equal(20, app.Statistics.Admitted.Sheddable);
    }

    private static double Percentile(IReadOnlyList<Answer> answers, double p) =>
        answers.Count == 0 ? 0 : answers.Select(a => a.Took.TotalMilliseconds).Order().ElementAt(Math.Clamp((int)Math.Ceiling(p * answers.Count) - 1, 0, answers.Count - 1));
}
