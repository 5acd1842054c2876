using Bulwark.Guard.DependencyInjection;
using Bulwark.Guard.Gate;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Bulwark.Guard.Edge;

/// <summary>
/// The first thing a request meets: refuse what should not start — a client over its rate or an address that
/// failed to sign in too often (429), a priority whose queue for the database or the CPU has stood above its
/// target (503) — before routing, authentication, model binding or any JSON. The endpoint's priority comes
/// from <see cref="EdgeRouteTable"/>; the answer is a prepared problem document. A request that passes
/// is never refused by the edge again (later refusals come only from the gate and the deadline). A request holding a
/// turn given out upstream (<see cref="IPreAdmission"/>), or to an endpoint marked <c>WithoutShedding</c>, is limited by
/// its client's rate but not shed.
/// </summary>
/// <remarks>Place it first in the pipeline. With <c>Guard:Mode=off</c> it passes everything through.</remarks>
public sealed class EdgeRefusalMiddleware(RequestDelegate next, EdgeRouteTable routes, IGatePressure pressure, IGateControl control,
    EdgeLimiters limiters, LoginThrottle logins, ProcessingDelay processing, IOptions<GuardOptions> options)
{
    private readonly GuardMode _mode = options.Value.Mode;

    // Not async: a request that passes costs no state machine, a refusal one write.
    public Task InvokeAsync(HttpContext context)
    {
        if (_mode == GuardMode.Off)
        {
            return next(context);
        }

        var route = routes.Match(context.Request.Method, context.Request.Path);
        if (route.Exempt)
        {
            return next(context);
        }

        var settings = control.Settings;
        if (settings.RateLimit.Enabled && !limiters.TryAdmitClient(ClientKeys.Of(context), out var clientWait))
        {
            return Refuse(context, route.Priority, RejectionReason.RateLimited, clientWait);
        }

        // Only failed sign-ins count (the app reports them); an address that has spent its failures is
        // refused here, before its body is read or a password hashed.
        if (route.LoginThrottle && logins.AdmitAddress(ClientKeys.AddressOf(context)) is { Refused: true } login)
        {
            return Refuse(context, route.Priority, RejectionReason.LoginThrottled, login.RetryAfter);
        }

        // A turn metered upstream (a waiting room's admission), or an endpoint whose order of arrival is the product (a
        // join: WithoutShedding), is not shed here: the gate and the deadline still bound it.
        if (route.PreAdmission?.IsPreAdmitted(context.Request) == true)
        {
            return next(context);
        }

        var cpu = processing.Reading;
        if (route.DeferredShedding
                ? LoadShedding.ShouldShedCached(settings, route.Priority, cpu, out var drain)
                : LoadShedding.ShouldShed(pressure, settings, route.Priority, cpu, out drain))
        {
            return Refuse(context, route.Priority, RejectionReason.QueueDelay, drain);
        }

        return next(context);
    }

    private Task Refuse(HttpContext context, Priority priority, RejectionReason reason, TimeSpan retryAfter)
    {
        pressure.RecordRejection(priority, reason);
        return OverloadResponses.WriteAsync(context, priority, reason, retryAfter);
    }
}
