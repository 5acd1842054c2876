using System.Security.Claims;
using Bulwark.Guard.DependencyInjection;
using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Guard.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bulwark.Guard.Tests.Http;

/// <summary>
/// A tiny app on real Kestrel (127.0.0.1, a free port) wired as any app would use the guard: browse
/// (sheddable), checkout (critical), a runaway query, a sign-in, a hello without database. The
/// bearer credential <c>Authorization: Bearer &lt;user&gt;</c> stands in for authentication (taken as the
/// user's name unchecked), so tests can be several clients from one address.
/// </summary>
public sealed class GuardedTestApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GuardedTestApp(WebApplication app, Uri address)
    {
        _app = app;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Client { get; }

    /// <summary>Requests that got past the edge into the rest of the pipeline (authentication onwards).</summary>
    public int PastTheEdge => Volatile.Read(ref _pastTheEdge);

    private int _pastTheEdge;

    /// <summary>Admitted requests being served now, by priority, as the guard counts them.</summary>
    public RequestsInFlight InFlight => _app.Services.GetRequiredService<RequestsInFlight>();

    public GateStatistics Statistics => _app.Services.GetRequiredService<IGateStatisticsProvider>().GetStatistics();

    public static async Task<GuardedTestApp> StartAsync(string connectionString, IReadOnlyDictionary<string, string?> guard)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(guard.Select(kv => KeyValuePair.Create("Guard:" + kv.Key, kv.Value)));
        builder.Services.AddBulwarkGuard(builder.Configuration.GetSection(GuardOptions.Section), connectionString);

        var app = builder.Build();
        // As in the shop: the edge refuses first, before anything else has looked at the request.
        app.UseBulwarkEdge();
        GuardedTestApp? self = null;
        app.Use((context, next) =>
        {
            if (self is not null)
            {
                Interlocked.Increment(ref self._pastTheEdge);
            }

            if (context.Request.Headers.Authorization is [{ Length: > 7 } credential] && credential.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, credential[7..])], "test"));
            }

            return next(context);
        });
        app.UseRouting();
        app.UseBulwarkAdmission();

        app.MapGet("/browse", (IDatabaseGate gate, CancellationToken cancellationToken) =>
            Sleep(gate, Priority.Sheddable, 0.03, cancellationToken)).WithPriority(Priority.Sheddable).WithPreAdmission(new TurnHeader());
        // Browsing whose order of arrival matters (as joining a waiting room's line does): never shed at the edge.
        app.MapGet("/join", (IDatabaseGate gate, CancellationToken cancellationToken) =>
            Sleep(gate, Priority.Sheddable, 0.03, cancellationToken)).WithPriority(Priority.Sheddable).WithoutShedding();
        app.MapPost("/checkout", (IDatabaseGate gate, CancellationToken cancellationToken) =>
            Sleep(gate, Priority.Critical, 0.01, cancellationToken)).WithPriority(Priority.Critical);
        // Lower-priority work inside a critical request, as a purchase's cart update is written at normal priority.
        app.MapPost("/cart-step", (IDatabaseGate gate, CancellationToken cancellationToken) =>
            Sleep(gate, Priority.Normal, 0.03, cancellationToken)).WithPriority(Priority.Critical);
        app.MapGet("/runaway", (IDatabaseGate gate, CancellationToken cancellationToken) =>
            Sleep(gate, Priority.Normal, 30, cancellationToken));
        // Awaits work that ran out of someone else's time (a read shared by single flight, cancelled at the
        // deadline of the request that started it): this request's own deadline has not passed.
        app.MapGet("/shared-timeout", async () =>
        {
            using var othersDeadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
            await Task.Delay(Timeout.InfiniteTimeSpan, othersDeadline.Token);
            return Results.Ok();
        });
        app.MapGet("/hello", () => "hello");
        // Critical requests the guard counts in flight while this one is served (itself included).
        app.MapGet("/critical-in-flight", (RequestsInFlight inFlight) => inFlight.Of(Priority.Critical)).WithPriority(Priority.Critical);
        app.MapGet("/probe", () => "ok").WithoutAdmission();
        // Milliseconds of the request's deadline left for the work inside, as the gate and outbound calls see it.
        app.MapGet("/deadline-left", () => Bulwark.Guard.Deadlines.RequestDeadline.Remaining(TimeProvider.System, TimeSpan.Zero).TotalMilliseconds)
            .WithPriority(Priority.Critical);
        // Whether the work inside holds a turn given out upstream (queues of its own then let it wait out its deadline).
        app.MapGet("/metered", () => Bulwark.Guard.Edge.GateShedding.IsMeteredUpstream).WithPriority(Priority.Critical)
            .WithPreAdmission(new TurnHeader());
        // A cache-first endpoint: a hit needs no connection, a miss asks the gate like /browse does.
        app.MapGet("/cached", (IDatabaseGate gate, bool miss, CancellationToken cancellationToken) =>
            miss ? Sleep(gate, Priority.Sheddable, 0.03, cancellationToken) : Task.FromResult(Results.Ok()))
            .WithPriority(Priority.Sheddable).WithDeferredShedding();
        // A sign-in whose outcome the query decides (?ok=true): the app, not the guard, knows failures.
        app.MapPost("/sessions", (LoginThrottle throttle, HttpContext context) =>
        {
            var address = ClientKeys.AddressOf(context);
            var account = context.Request.Query["email"].ToString();
            var decision = throttle.Admit(address, account);
            if (decision.Refused)
            {
                throw new AdmissionRejectedException(Priority.Normal, RejectionReason.LoginThrottled, decision.RetryAfter);
            }

            if (context.Request.Query["ok"] != "true")
            {
                throttle.RecordFailure(address, account);
                return Results.Unauthorized();
            }

            return Results.Ok();
        }).WithLoginThrottle();

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new GuardedTestApp(app, new Uri(address));
        return self;
    }

    private static async Task<IResult> Sleep(IDatabaseGate gate, Priority priority, double seconds, CancellationToken cancellationToken)
    {
        await gate.RunAsync(priority, cancellationToken, async (connection, token) =>
        {
            await using var sleep = new NpgsqlCommand($"SELECT pg_sleep({seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)})", connection);
            return await sleep.ExecuteScalarAsync(token);
        });
        return Results.Ok();
    }

    /// <summary>Stands in for a waiting room's admission: <c>Turn: granted</c> is a turn metered upstream.</summary>
    public sealed class TurnHeader : IPreAdmission
    {
        public const string Name = "Turn";

        public bool IsPreAdmitted(HttpRequest request) => request.Headers[Name] == "granted";
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
