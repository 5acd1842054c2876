using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.Shop.WaitingRoom;

/// <summary>The waiting room's refusals, one problem type that clients (the storefront) recognise.</summary>
public static class WaitingRoomProblems
{
    /// <summary>A checkout that needs an admission it did not bring: join the room named in the answer.</summary>
    public const string Type = "urn:bulwark:problem:waiting-room";

    public static ProblemHttpResult AdmissionRequired(HttpContext context, string room, string detail, TimeSpan retryAfter)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var saleId = WaitingRooms.SaleOf(room);
        return TypedResults.Problem(type: Type, title: "Join the waiting room", statusCode: StatusCodes.Status429TooManyRequests,
            detail: $"{detail} Join the waiting room (POST /api/waiting-room {(saleId is { } id ? $"{{\"saleId\": {id}}}" : "{}")}), "
                + "wait for your turn, then check out with its admission in the Admission header.",
            extensions: new Dictionary<string, object?> { ["room"] = room, ["saleId"] = saleId, ["join"] = "/api/waiting-room" });
    }
}
