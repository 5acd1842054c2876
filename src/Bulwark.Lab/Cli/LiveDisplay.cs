using Bulwark.Lab.Load;
using Bulwark.Lab.Scenarios;
using Spectre.Console;

namespace Bulwark.Lab.Cli;

/// <summary>
/// A live table of the run while it goes: per class offered, good, shed, errors, timeouts and p99,
/// plus the pool as last scraped. On a console that cannot redraw (CI logs) it prints a line every 5 s.
/// </summary>
public sealed class LiveDisplay(IAnsiConsole console, TimeProvider time)
{
    public async Task WatchAsync(LiveRun run, CancellationToken ct)
    {
        try
        {
            if (console.Profile.Capabilities.Interactive)
            {
                await console.Live(Render(run)).AutoClear(true).StartAsync(async context =>
                {
                    while (!ct.IsCancellationRequested)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
                        context.UpdateTarget(Render(run));
                    }
                });
            }
            else
            {
                while (!ct.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), time, ct);
                    console.WriteLine(Line(run));
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The run ended.
        }
    }

    Table Render(LiveRun run)
    {
        var elapsed = time.GetElapsedTime(run.RunStart);
        var table = new Table()
            .Title($"{Markup.Escape(run.Scenario)} · {Markup.Escape(run.Mode)} · {elapsed.TotalSeconds:0}/{run.Duration.TotalSeconds:0} s · in flight {run.Generator.InFlight}")
            .AddColumns("class", "offered", "good", "shed", "429", "errors", "timeouts", "dropped", "p99 ms");
        foreach (var (requestClass, stats) in run.Recorder.Classes.Where(c => c.Value.Offered > 0))
        {
            table.AddRow(
                requestClass.Key(),
                stats.Offered.ToString(),
                stats.Good.ToString(),
                stats.Count(Outcome.Shed).ToString(),
                stats.Count(Outcome.Limited).ToString(),
                stats.Count(Outcome.Error).ToString(),
                stats.Count(Outcome.Timeout).ToString(),
                stats.Count(Outcome.Dropped).ToString(),
                stats.All.PercentileMs(99).ToString("0.0"));
        }
        var pool = run.Scraper.Samples.LastOrDefault();
        table.Caption(pool is null
            ? "pool: no /metrics sample yet"
            : $"pool: {pool.Used?.ToString("0") ?? "?"} used / {pool.Max?.ToString("0") ?? "?"} max, {pool.Pending?.ToString("0") ?? "?"} waiting, limit {pool.Limit?.ToString("0") ?? "–"}");
        return table;
    }

    string Line(LiveRun run)
    {
        var classes = run.Recorder.Classes.Values;
        var pool = run.Scraper.Samples.LastOrDefault();
        return $"{run.Scenario}/{run.Mode} {time.GetElapsedTime(run.RunStart).TotalSeconds:0}s: offered {classes.Sum(c => c.Offered)}, " +
               $"good {classes.Sum(c => c.Good)}, shed {classes.Sum(c => c.Count(Outcome.Shed))}, errors {classes.Sum(c => c.Count(Outcome.Error))}, " +
               $"timeouts {classes.Sum(c => c.Count(Outcome.Timeout))}, in flight {run.Generator.InFlight}, pool used {pool?.Used?.ToString("0") ?? "?"}";
    }
}
