using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Bulwark.Guard.Telemetry;
using Bulwark.Shop.Tests.Infrastructure;
using OpenTelemetry.Trace;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>
/// With tracing on, one checkout is one trace: the request, the gate's waits, every SQL statement and
/// the gateway call, all children of the request, as the OpenTelemetry SDK exports them.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class CheckoutTraceTests(ShopFixture shop)
{
    [Fact]
    public async Task A_checkout_is_one_trace_with_its_gate_waits_sql_statements_and_gateway_call()
    {
        var exported = new List<Activity>();
        await using var traced = await SecondShop.StartAsync(shop, ["--Telemetry:Tracing", "true"],
            builder => builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(exported)));
        using var client = await traced.SignedInClientAsync();
        var productId = shop.ReserveProduct();
        await shop.SetStockAsync(productId, 5);
        await client.AddToCartAsync(productId, 1);

        // The test starts the trace (its HttpClient call becomes a child of it), so it can tell its spans
        // from those of the other shops in this process.
        using var testSpan = new Activity("test checkout")
            .SetParentId(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded)
            .Start();
        var traceId = testSpan.TraceId;
        using var response = await client.CheckoutAsync($"trace-{traceId}");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var spans = await SpansOfAsync(exported, traceId, span => span.DisplayName == "POST /api/checkout");
        var root = Assert.Single(spans, span => span.Kind == ActivityKind.Server && span.DisplayName == "POST /api/checkout");
        var underRoot = spans.Where(span => IsUnder(span, root, spans)).ToList();
        Assert.Contains(underRoot, span => span.Source.Name == GateTracing.SourceName && span.OperationName == GateTracing.WaitSpan);
        Assert.True(underRoot.Count(span => span.Source.Name == "Npgsql" && span.Kind == ActivityKind.Client) >= 2,
            "expected a span per SQL statement of the checkout, got: " + Describe(underRoot));
        var gatewayCall = Assert.Single(underRoot, span => span.Kind == ActivityKind.Client && span.Source.Name == "System.Net.Http");
        Assert.EndsWith("/v1/charges", gatewayCall.GetTagItem("url.full") as string, StringComparison.Ordinal);
    }

    private static bool IsUnder(Activity span, Activity root, List<Activity> spans)
    {
        for (var parent = span.ParentSpanId; ; )
        {
            if (parent == root.SpanId)
            {
                return true;
            }

            var next = spans.FirstOrDefault(candidate => candidate.SpanId == parent);
            if (next is null)
            {
                return false;
            }

            parent = next.ParentSpanId;
        }
    }

    /// <summary>Spans are exported as they end; the request's own span ends last.</summary>
    private static async Task<List<Activity>> SpansOfAsync(List<Activity> exported, ActivityTraceId traceId, Func<Activity, bool> last)
    {
        var patience = Stopwatch.StartNew();
        while (true)
        {
            List<Activity> spans;
            lock (exported)
            {
                spans = [.. exported.Where(span => span.TraceId == traceId)];
            }

            if (spans.Any(last))
            {
                return spans;
            }

            if (patience.Elapsed > TimeSpan.FromSeconds(10))
            {
                List<Activity> all;
                lock (exported)
                {
                    all = [.. exported];
                }

                Assert.Fail($"The request's span never came. Spans of its trace: {Describe(spans)}; all spans: {string.Join(",", all.GroupBy(a => a.Source.Name + ":" + a.DisplayName).Select(g => g.Key + "=" + g.Count()))}");
            }

            await Task.Delay(50);
        }
    }

    private static string Describe(IEnumerable<Activity> spans) =>
        string.Join(", ", spans.Select(span => $"{span.Source.Name}:{span.Kind}:{span.DisplayName}:{span.TraceId}"));
}
