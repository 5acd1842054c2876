using System.Diagnostics;
using Bulwark.Guard.Gate;

namespace Bulwark.Guard.Telemetry;

/// <summary>
/// The gate's spans, in the activity source <c>Bulwark.Guard</c>: one per admission, from asking to
/// holding a connection (or being refused), so a trace shows where a slow request waited. Costs nothing
/// unless a tracer provider listens to this source.
/// </summary>
public static class GateTracing
{
    public const string SourceName = GateMetrics.MeterName;

    public const string WaitSpan = "db.gate.wait";

    public static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartWait(Priority priority)
    {
        var activity = Source.StartActivity(WaitSpan, ActivityKind.Internal);
        activity?.SetTag("bulwark.priority", priority.Tag());
        return activity;
    }

    public static void Refused(Activity? activity, RejectionReason reason)
    {
        activity?.SetTag("bulwark.rejection.reason", reason.Tag());
        activity?.SetStatus(ActivityStatusCode.Error, "refused by the gate");
    }
}
