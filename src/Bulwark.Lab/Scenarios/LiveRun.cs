using Bulwark.Lab.Load;
using Bulwark.Lab.Metrics;

namespace Bulwark.Lab.Scenarios;

/// <summary>A run in progress, for a live display to read once a second (all members are safe to read concurrently).</summary>
public sealed record LiveRun(string Scenario, string Mode, RunRecorder Recorder, LoadGenerator Generator, MetricsScraper Scraper, TimeSpan Duration, long RunStart);
