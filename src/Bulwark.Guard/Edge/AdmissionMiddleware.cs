using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Gate;
using Bulwark.Guard.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Bulwark.Guard.Edge;

/// <summary>
/// The request's deadline and name, which flow to the gate, the statement timeouts and outbound calls;
/// refusals that happen later (the gate, the deadline) become 503 + Retry-After instead of a 500 or a
/// hang. What should not start at all was already refused by <see cref="EdgeRefusalMiddleware"/>.
/// </summary>
/// <remarks>
/// Place it after routing (it reads endpoint metadata). With <c>Guard:Mode=off</c> it passes everything
/// through untouched.
/// </remarks>
public sealed class AdmissionMiddleware(RequestDelegate next, IGatePressure pressure, IGateControl control,
    IOptions<GuardOptions> options, TimeProvider clock, RequestsInFlight inFlight, ProcessingDelay processing)
{
    private readonly GuardMode _mode = options.Value.Mode;

    public async Task InvokeAsync(HttpContext context)
    {
        if (_mode == GuardMode.Off)
        {
            await next(context);
            return;
        }

        var endpoint = context.GetEndpoint();
        var priority = endpoint?.Metadata.GetMetadata<PriorityMetadata>()?.Priority ?? Priority.Normal;
        using var gateShedding = GateSheddingFor(context, endpoint, priority);
        using var counted = inFlight.Enter(priority);
        var budget = DeadlineBudget.Within(control.Settings.Deadlines.For(priority), processing.Reading);
        await RunWithDeadlineAsync(context, priority, budget, endpoint?.DisplayName);
    }

    /// <summary>
    /// What the gate must still judge for this request (<see cref="GateShedding"/>): everything for a cache-first
    /// endpoint, work below the endpoint's priority otherwise — except for a request holding a turn given out upstream,
    /// which the edge let through on purpose.
    /// </summary>
    private static GateShedding.Scope GateSheddingFor(HttpContext context, Endpoint? endpoint, Priority priority)
    {
        if (endpoint?.Metadata.GetMetadata<DeferredSheddingMetadata>() is not null)
        {
            return GateShedding.DeferAll();
        }

        return endpoint?.Metadata.GetMetadata<PreAdmissionMetadata>()?.Check.IsPreAdmitted(context.Request) == true
            ? GateShedding.MeteredUpstream()
            : GateShedding.JudgedAt(priority);
    }

    private async Task RunWithDeadlineAsync(HttpContext context, Priority priority, TimeSpan budget, string? operation)
    {
        var clientAborted = context.RequestAborted;
        using var deadlineSource = new CancellationTokenSource(budget, clock);
        using var link = clientAborted.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), deadlineSource);
        using var deadline = RequestDeadline.Set(clock.GetUtcNow() + budget);
        using var name = GateOperation.Begin(operation ?? $"{context.Request.Method} {context.Request.Path}");

        // Handlers that honour RequestAborted now stop at the deadline too, as does the gate.
        context.RequestAborted = deadlineSource.Token;
        try
        {
            await next(context);
        }
        catch (AdmissionRejectedException refused) when (!context.Response.HasStarted)
        {
            await OverloadResponses.WriteAsync(context, refused.Priority, refused.Reason, refused.RetryAfter);
        }
        catch (OperationCanceledException) when (!clientAborted.IsCancellationRequested && !context.Response.HasStarted)
        {
            // The request ran out of time (a statement cancelled, a wait given up): answer now, honestly,
            // rather than let a proxy time out on us. Not only our own deadline's token counts: the gate's
            // timer for the same instant may fire first, and a read shared through the catalog cache ends
            // with the OperationCanceledException of the caller whose deadline it ran under. Either way the
            // work ran out of time and the client is still there: 503, never 500.
            pressure.RecordRejection(priority, RejectionReason.Expired);
            await OverloadResponses.WriteAsync(context, priority, RejectionReason.Expired,
                pressure.EstimatedQueueDelay(priority));
        }
        finally
        {
            context.RequestAborted = clientAborted;
        }
    }
}
