using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Gate;
using Bulwark.Guard.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Bulwark.Guard.Edge;

/// <summary>
/// The edge: before any work, refuse what should not start (a client over its rate: 429; a priority
/// whose queue for the database is already longer than its target: 503), then give the request its
/// deadline and name, which flow to the gate, the statement timeouts and outbound calls. Refusals that
/// happen later (the gate, the deadline) become the same 503 + Retry-After instead of a 500 or a hang.
/// </summary>
/// <remarks>
/// Place it after authentication (the rate limit keys on the user) and routing (it reads endpoint
/// metadata). With <c>Guard:Mode=off</c> it passes everything through untouched.
/// </remarks>
public sealed class AdmissionMiddleware(RequestDelegate next, IGatePressure pressure, IGateControl control,
    EdgeLimiters limiters, IOptions<GuardOptions> options, TimeProvider clock)
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
        var settings = control.Settings;

        if (settings.RateLimit.Enabled && !limiters.TryAdmitClient(ClientKeys.Of(context), out var clientWait))
        {
            await RefuseAsync(context, priority, RejectionReason.RateLimited, clientWait);
            return;
        }

        if (endpoint?.Metadata.GetMetadata<LoginThrottleMetadata>() is not null
            && !limiters.TryAdmitLogin(ClientKeys.AddressOf(context), out var loginWait))
        {
            await RefuseAsync(context, priority, RejectionReason.LoginThrottled, loginWait);
            return;
        }

        var deferred = endpoint?.Metadata.GetMetadata<DeferredSheddingMetadata>() is not null;
        if (!deferred && LoadShedding.ShouldShed(pressure, settings, priority, out var drain))
        {
            await RefuseAsync(context, priority, RejectionReason.QueueDelay, drain);
            return;
        }

        using var deferredScope = deferred ? DeferredShedding.Begin() : default(DeferredShedding.Scope?);
        await RunWithDeadlineAsync(context, priority, settings.Deadlines.For(priority), endpoint?.DisplayName);
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
        catch (OperationCanceledException) when (deadlineSource.IsCancellationRequested && !clientAborted.IsCancellationRequested
            && !context.Response.HasStarted)
        {
            // The request ran out of time (a statement cancelled, a wait given up): answer now, honestly,
            // rather than let a proxy time out on us.
            pressure.RecordRejection(priority, RejectionReason.Expired);
            await OverloadResponses.WriteAsync(context, priority, RejectionReason.Expired,
                pressure.EstimatedQueueDelay(priority));
        }
        finally
        {
            context.RequestAborted = clientAborted;
        }
    }

    private Task RefuseAsync(HttpContext context, Priority priority, RejectionReason reason, TimeSpan retryAfter)
    {
        pressure.RecordRejection(priority, reason);
        return OverloadResponses.WriteAsync(context, priority, reason, retryAfter);
    }
}
