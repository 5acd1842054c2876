using System.Globalization;
using System.Text;
using System.Text.Json;
using Bulwark.Lab.Arrivals;
using Bulwark.Lab.Load;
using Bulwark.Lab.Measurement;
using Bulwark.Lab.Orchestration;
using Bulwark.Lab.Reports;
using Bulwark.Lab.Scenarios;
using Bulwark.Lab.Shop;
using Bulwark.LocalPostgres;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Bench;

/// <summary>
/// The measurements behind <c>docs/benchmarks.md</c> that need only the shop's HTTP API: checkout and
/// browse capacity at SLO, an overload sweep as multiples of that capacity, and the time p99 takes
/// to come back under the SLO after a spike. Each is repeated; ratios are taken within a repeat
/// (the sweep uses that repeat's own capacity) so machine drift between repeats cancels out.
/// </summary>
public sealed class BenchSuite(RepoLayout? repo, LabRunOptions options, TimeProvider time, ILogger logger, Func<LiveRun, CancellationToken, Task>? watch = null)
{
    public const int DefaultRepeats = 3;
    static readonly TimeSpan Slo = TimeSpan.FromMilliseconds(200);
    static readonly double[] OverloadMultipliers = [0.5, 1, 2, 5, 10];

    /// <summary>Steps of the capacity search and the sweep: long enough for a stable p99, short enough to repeat.</summary>
    TimeSpan StepLength => options.Duration is { } d ? TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond * 3, d.Ticks / 6)) : TimeSpan.FromSeconds(10);

    public int Repeats { get; init; } = DefaultRepeats;

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var startedAt = time.GetUtcNow();
        var directory = Path.Combine(options.OutputRoot, "bench");
        Directory.CreateDirectory(directory);

        var modes = new Dictionary<string, BenchMode>();
        foreach (var mode in options.Target is null ? [ScenarioRunner.Guarded, ScenarioRunner.Naive] : new[] { ScenarioRunner.Target })
        {
            if (options.Target is null && !options.Modes.Contains(mode)) continue;
            try
            {
                modes[mode] = await RunModeAsync(mode, directory, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
            {
                logger.LogError("Bench of {Mode} failed: {Reason}", mode, e.Message);
                var none = Spread.Of([]);
                modes[mode] = new BenchMode(mode, none, none, [], none, e.Message);
            }
        }

        var report = new BenchReport(MachineInfo.Current(), startedAt, Repeats,
            $"highest rate with p99 ≤ {Slo.TotalMilliseconds:0} ms over every answer, errors + timeouts + shed < 0.1%, nothing dropped by the generator",
            modes,
            [
                "database ceiling with pgbench running the shop's own checkout and browse SQL",
                "hot-SKU sell-out (5,000 buyers for 500 units, 2,000 at once) beside pgbench's hot-row ceiling",
            ]);
        await File.WriteAllTextAsync(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(report, SummaryJson.Options), ct);
        await File.WriteAllTextAsync(Path.Combine(directory, "summary.md"), Markdown(report), ct);
        return directory;
    }

    async Task<BenchMode> RunModeAsync(string mode, string directory, CancellationToken ct)
    {
        await using var owned = await BenchTarget.StartAsync(repo, options, mode, directory, time, logger, ct);
        var checkoutCapacities = new List<double>();
        var browseCapacities = new List<double>();
        var recoveries = new List<double>();
        var sweeps = OverloadMultipliers.ToDictionary(m => m, _ => new List<StepMeasurement>());

        for (var repeat = 1; repeat <= Repeats; repeat++)
        {
            logger.LogInformation("Bench {Mode}, repeat {Repeat}/{Repeats}: checkout capacity", mode, repeat, Repeats);
            var checkout = await FindCapacityAsync(owned, mode, RequestClass.Checkout, ct);
            checkoutCapacities.Add(checkout);
            logger.LogInformation("Checkout capacity at SLO: {Rate:0} req/s; browse capacity next", checkout);
            browseCapacities.Add(await FindCapacityAsync(owned, mode, RequestClass.Browse, ct));

            foreach (var multiplier in OverloadMultipliers)
            {
                var rate = Math.Max(1, checkout * multiplier);
                var length = multiplier >= 10 ? StepLength * 6 : StepLength;   // the 10× step is the long one (60 s by default)
                var step = await MeasureAsync(owned, mode, $"overload {multiplier}x",
                    [Stream(RequestClass.Checkout, [ArrivalPhase.Constant($"{multiplier}x", length, rate)])], ct);
                sweeps[multiplier].Add(step with { CapacityRps = checkout });
            }

            recoveries.Add(await RecoveryAsync(owned, mode, checkout, ct));
        }

        return new BenchMode(mode,
            Spread.Of(checkoutCapacities),
            Spread.Of(browseCapacities),
            [.. OverloadMultipliers.Select(m => new OverloadStep(
                m,
                Spread.Of([.. sweeps[m].Select(s => s.OfferedRps)]),
                Spread.Of([.. sweeps[m].Select(s => s.GoodputRps)]),
                Spread.Of([.. sweeps[m].Select(s => s.CapacityRps > 0 ? s.GoodputRps / s.CapacityRps : 0)]),
                Spread.Of([.. sweeps[m].Select(s => s.ShedWithin10msShare)]),
                Spread.Of([.. sweeps[m].Select(s => (double)s.SlowerThanDeadline)]),
                Spread.Of([.. sweeps[m].Select(s => s.P99AllMs)])))],
            Spread.Of(recoveries),
            null);
    }

    /// <summary>
    /// Raises the rate by half each step until a step misses the SLO, then bisects between the last
    /// pass and the first miss; answers the highest rate that passed.
    /// </summary>
    async Task<double> FindCapacityAsync(BenchTarget target, string mode, RequestClass requestClass, CancellationToken ct)
    {
        double passed = 0, failed = double.NaN, rate = 20;
        for (var step = 0; step < 12 && double.IsNaN(failed); step++, rate *= 1.5)
        {
            if (await PassesAsync(rate)) passed = rate;
            else failed = rate;
        }
        for (var i = 0; i < 3 && !double.IsNaN(failed); i++)
        {
            var middle = (passed + failed) / 2;
            if (await PassesAsync(middle)) passed = middle;
            else failed = middle;
        }
        return passed;

        async Task<bool> PassesAsync(double r)
        {
            var m = await MeasureAsync(target, mode, $"{requestClass.Key()} at {r:0}/s",
                [Stream(requestClass, [ArrivalPhase.Constant("step", StepLength, r)])], ct);
            return m.P99AllMs <= Slo.TotalMilliseconds && m.FailureShare < 0.001 && m.Dropped == 0;
        }
    }

    /// <summary>Seconds from the end of a 10× spike until p99 stays under the SLO for 3 seconds running.</summary>
    async Task<double> RecoveryAsync(BenchTarget target, string mode, double capacity, CancellationToken ct)
    {
        var calm = Math.Max(1, capacity * 0.5);
        var before = StepLength;
        var spike = StepLength;
        var m = await MeasureAsync(target, mode, "recovery",
        [
            Stream(RequestClass.Checkout,
            [
                ArrivalPhase.Constant("calm", before, calm),
                ArrivalPhase.Spike("spike", spike, Math.Max(1, capacity * 10)),
                ArrivalPhase.Constant("after", StepLength * 2, calm),
            ]),
        ], ct);
        var spikeEnd = (int)Math.Ceiling((before + spike).TotalSeconds);
        var p99 = m.P99PerSecond;
        for (var s = spikeEnd; s + 2 < p99.Count; s++)
            if (p99[s] <= Slo.TotalMilliseconds && p99[s + 1] <= Slo.TotalMilliseconds && p99[s + 2] <= Slo.TotalMilliseconds)
                return s - spikeEnd;
        return double.PositiveInfinity;
    }

    static TrafficStream Stream(RequestClass requestClass, IReadOnlyList<ArrivalPhase> phases) =>
        new(requestClass.Key(), TrafficMix.Only(requestClass), phases);

    sealed record StepMeasurement(double OfferedRps, double GoodputRps, double P99AllMs, double FailureShare, long Dropped,
        double ShedWithin10msShare, long SlowerThanDeadline, IReadOnlyList<double> P99PerSecond)
    {
        public double CapacityRps { get; init; }
    }

    async Task<StepMeasurement> MeasureAsync(BenchTarget target, string mode, string label, IReadOnlyList<TrafficStream> streams, CancellationToken ct)
    {
        var serviceLevel = new ServiceLevel(Slo, TimeSpan.FromSeconds(2));
        var plan = new LoadPlan(streams, ArrivalProcess.Poisson, options.Seed, options.Limits, serviceLevel);
        var recorder = new RunRecorder(serviceLevel, plan.Duration + plan.DrainAllowance);
        var generator = new LoadGenerator(target.Actions, time, logger);
        await using var scraper = new Metrics.MetricsScraper(target.Address, time);
        using var side = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var start = time.GetTimestamp();
        var watching = watch?.Invoke(new LiveRun($"bench: {label}", mode, recorder, generator, scraper, plan.Duration, start), side.Token) ?? Task.CompletedTask;
        try
        {
            await generator.RunAsync(plan, recorder, start, ct);
        }
        finally
        {
            await side.CancelAsync();
            await watching;
        }

        var classes = recorder.Classes.Values;
        var offered = classes.Sum(c => c.Offered);
        var failures = classes.Sum(c => c.Count(Outcome.Error) + c.Count(Outcome.Timeout) + c.Count(Outcome.Shed) + c.Count(Outcome.Limited));
        var shed = LatencyHistogram.Merge(classes.Select(c => c.Shed));
        var shedFast = shed.Count == 0 ? 1.0 : FractionAtOrBelow(shed, 10_000);
        var seconds = plan.Duration.TotalSeconds;
        return new StepMeasurement(
            offered / seconds,
            classes.Sum(c => c.Good) / seconds,
            LatencyHistogram.Merge(classes.Select(c => c.All)).PercentileMs(99),
            offered == 0 ? 0 : failures / (double)offered,
            classes.Sum(c => c.Count(Outcome.Dropped)),
            shedFast,
            classes.Sum(c => c.SlowerThanDeadline),
            [.. recorder.Timeline.Summaries((int)Math.Ceiling(seconds) + 1).Select(s => s.Completed == 0 ? 0 : s.P99Ms)]);
    }

    /// <summary>Share of recorded values at or below <paramref name="micros"/>, by bisecting percentiles (precision of the histogram).</summary>
    static double FractionAtOrBelow(LatencyHistogram histogram, long micros)
    {
        double low = 0, high = 100;
        for (var i = 0; i < 30; i++)
        {
            var middle = (low + high) / 2;
            if (histogram.PercentileMicros(middle) <= micros) low = middle;
            else high = middle;
        }
        return low / 100;
    }

    static string Markdown(BenchReport report)
    {
        static string F(Spread s, string format) => double.IsNaN(s.Median)
            ? "–"
            : string.Create(CultureInfo.InvariantCulture, $"{s.Median.ToString(format, CultureInfo.InvariantCulture)} ({s.Min.ToString(format, CultureInfo.InvariantCulture)}–{s.Max.ToString(format, CultureInfo.InvariantCulture)})");

        var md = new StringBuilder();
        md.AppendLine("# Bulwark bench").AppendLine();
        md.AppendLine($"{report.Machine.Os}, {report.Machine.Cores} cores, {report.Machine.Runtime}; lab {report.Machine.LabVersion}; started {report.StartedAt:u}; {report.Repeats} repeats, medians (min–max).").AppendLine();
        md.AppendLine($"Capacity at SLO: {report.CapacityRule}.").AppendLine();
        md.AppendLine("| mode | checkout capacity (req/s) | browse capacity (req/s) | recovery after a 10× spike (s) |");
        md.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var m in report.Modes.Values)
            md.AppendLine($"| {m.Mode} | {F(m.CheckoutCapacityRps, "0")} | {F(m.BrowseCapacityRps, "0")} | {F(m.RecoverySeconds, "0.0")} |");
        md.AppendLine();
        md.AppendLine("## Overload sweep (checkout, multiples of that repeat's capacity)").AppendLine();
        md.AppendLine("| mode | load | offered req/s | goodput req/s | goodput / capacity | 503s within 10 ms | slower than deadline | p99 ms |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var m in report.Modes.Values)
            foreach (var s in m.Overload)
                md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {m.Mode} | {s.Multiplier}× | {F(s.OfferedRps, "0")} | {F(s.GoodputRps, "0")} | {F(s.GoodputShareOfCapacity, "0.00")} | {F(s.ShedAnsweredWithin10msShare, "0.000")} | {F(s.SlowerThanDeadline, "0")} | {F(s.P99Ms, "0")} |"));
        md.AppendLine();
        foreach (var m in report.Modes.Values.Where(m => m.Failure is not null)) md.AppendLine($"- **{m.Mode} did not complete:** {m.Failure}");
        if (report.NotMeasured.Count > 0)
        {
            md.AppendLine("Not measured by this version of the lab:").AppendLine();
            foreach (var item in report.NotMeasured) md.AppendLine($"- {item}");
        }
        return md.ToString();
    }
}
