using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Accounts;
using Bulwark.Shop.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Bulwark.Shop.WaitingRoom;

/// <summary>
/// <c>POST /api/waiting-room</c> takes a place in a room's line, <c>GET /api/waiting-room/{ticket}</c> says where
/// it stands (from memory: no database per poll) and, once its turn comes, hands out the admission that
/// <c>POST /api/checkout</c> asks for while a sale is open or checkout is over capacity.
/// </summary>
public static partial class WaitingRoomApi
{
    public static void AddWaitingRoom(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddOptions<WaitingRoomOptions>().BindConfiguration(WaitingRoomOptions.Section)
            .PostConfigure<IHostEnvironment, ILoggerFactory>((options, environment, loggers) =>
            {
                // One instance may sign with a key of its own; instances that share the load must share the key,
                // or a poll reaching another instance would find its ticket forged.
                if (options.SigningKey is null && (environment.IsDevelopment() || !SharesLoad(configuration)))
                {
                    options.SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(WaitingRoomSigner.MinKeyBytes));
                    RandomKey(loggers.CreateLogger(typeof(WaitingRoomApi)));
                }
            })
            .Validate(options => options.SigningKey is not null,
                "WaitingRoom:SigningKey is required when several instances serve the shop (Guard:Instances > 1 or Guard:ShareBudget): "
                + "set the same base64 key of at least 32 bytes on every instance.")
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(services =>
            new WaitingRoomSigner(Convert.FromBase64String(services.GetRequiredService<IOptions<WaitingRoomOptions>>().Value.SigningKey!)));
        // The sales feature replaces this with its own; until then (and in tests) there are no sales.
        builder.Services.TryAddSingleton<ISaleQueueSource, NoSales>();
        builder.Services.AddSingleton<WaitingRooms>();
        builder.Services.AddSingleton<WaitingRoomStore>();
        builder.Services.AddSingleton<WaitingRoomMetrics>();
        builder.Services.AddSingleton<WaitingRoomService>();
        builder.Services.AddSingleton<CheckoutAdmission>();
        builder.Services.AddSingleton<AdmissionPass>();
        builder.Services.AddSingleton<CheckoutThroughput>();
        builder.Services.AddSingleton<WaitingRoomTicker>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WaitingRoomTicker>());
    }

    public static void MapWaitingRoomApi(this WebApplication app)
    {
        var group = app.MapGroup("/api/waiting-room").WithTags("Waiting room").RequireAuthorization();
        // Critical like checkout itself, and never shed at the edge: a join shed with 503 would hand the earlier place
        // to whoever retries fastest, the race the room exists to end (lab sale: with joins shed on a saturated core,
        // bots retrying every 100 ms took places a median 116 ahead of polite buyers arriving alike). It is one short
        // statement, one place per user; the client's rate limit still applies.
        group.MapPost("", Join).WithPriority(Priority.Critical).WithoutShedding()
            .WithSummary("Take a place in line for a sale's checkout (saleId) or the general checkout room (no saleId)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        // Answered from memory, so never shed up front: a poll costs no connection, and a buyer who is told
        // 503 while waiting their turn learns nothing (the per-client rate limit still applies). With Prefer: wait
        // it is held until the turn comes or the sale sells out (WaitingRoom:MaxPollHold).
        group.MapGet("/{ticket}", Poll).WithDeferredShedding().WithPriority(Priority.Normal)
            .WithSummary("Where a ticket stands: its position and estimated wait, its admission once admitted, or sold out")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone);
    }

    private static async Task<Results<Ok<WaitingTicket>, Ok<AdmittedTicket>, Ok<SoldOutTicket>, ProblemHttpResult>> Join(
        JoinRequest? body, ClaimsPrincipal user, WaitingRoomService service, CancellationToken cancellationToken) =>
        Respond(await service.JoinAsync(user.UserId(), body?.SaleId, cancellationToken));

    private static async Task<Results<Ok<WaitingTicket>, Ok<AdmittedTicket>, Ok<SoldOutTicket>, ProblemHttpResult>> Poll(
        string ticket, ClaimsPrincipal user, WaitingRoomService service, WaitingRooms rooms, TimeProvider clock, HttpContext context,
        CancellationToken cancellationToken) =>
        Respond(await service.PollAsync(user.UserId(), ticket, Hold(context.Request, rooms.Options.MaxPollHold, clock), cancellationToken));

    /// <summary>
    /// How long the client asked us to hold its poll (RFC 7240 <c>Prefer: wait=seconds</c>), at most
    /// <paramref name="limit"/> and half a second short of the request's deadline; zero without the preference.
    /// </summary>
    internal static TimeSpan Hold(HttpRequest request, TimeSpan limit, TimeProvider clock)
    {
        if (limit <= TimeSpan.Zero || !NameValueHeaderValue.TryParseList(request.Headers["Prefer"], out var preferences))
        {
            return TimeSpan.Zero;
        }

        foreach (var preference in preferences)
        {
            if (preference.Name.Equals("wait", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(preference.Value.AsSpan(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                var left = RequestDeadline.Remaining(clock, limit + AnswerMargin) - AnswerMargin;
                return TimeSpan.FromTicks(Math.Max(0, Math.Min(Math.Min(limit.Ticks, TimeSpan.FromSeconds(seconds).Ticks), left.Ticks)));
            }
        }

        return TimeSpan.Zero;
    }

    /// <summary>Left of the deadline when a held poll answers: room to write the answer before the deadline passes.</summary>
    private static readonly TimeSpan AnswerMargin = TimeSpan.FromMilliseconds(500);

    private static Results<Ok<WaitingTicket>, Ok<AdmittedTicket>, Ok<SoldOutTicket>, ProblemHttpResult> Respond(RoomAnswer answer) => answer switch
    {
        RoomAnswer.InLine waiting => TypedResults.Ok(waiting.Ticket),
        RoomAnswer.Admitted admitted => TypedResults.Ok(admitted.Ticket),
        RoomAnswer.SoldOut soldOut => TypedResults.Ok(soldOut.Ticket),
        RoomAnswer.NoSuchSale missing => Problems.NotFound($"There is no sale {missing.SaleId}."),
        RoomAnswer.AdmissionExpired => TypedResults.Problem(type: WaitingRoomProblems.Type, title: "Admission expired",
            detail: "Your turn came but the admission was not used in time. Join again (POST /api/waiting-room) for a new place.",
            statusCode: StatusCodes.Status410Gone),
        // Another user's ticket, a forged one and an old one read the same: nothing here for this caller.
        _ => Problems.NotFound("No such ticket for you: join the waiting room (POST /api/waiting-room) for one."),
    };

    private static bool SharesLoad(IConfiguration configuration) =>
        configuration.GetValue<bool>("Guard:ShareBudget") || configuration.GetValue<int?>("Guard:Instances") > 1;

    [LoggerMessage(EventId = 7100, Level = LogLevel.Warning,
        Message = "WaitingRoom:SigningKey is not set: waiting-room tickets are signed with a random key of this process. Several instances need one shared key (WaitingRoom__SigningKey, base64, 32+ bytes).")]
    private static partial void RandomKey(ILogger logger);
}
