using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.Shop.WaitingRoom;

/// <summary>
/// The checkout's side of the waiting room: while a sale holding one of the cart's items is open, the
/// checkout needs that sale's admission; while checkout is over capacity, every checkout needs the
/// general room's; otherwise none (and a header sent anyway is ignored). An admission is checked from its
/// signature, then spent with one statement, so one admission buys once.
/// </summary>
public sealed class CheckoutAdmission(WaitingRooms rooms, WaitingRoomStore store, ISaleQueueSource sales,
    WaitingRoomSigner signer, TimeProvider clock)
{
    public const string Header = "Admission";

    /// <summary>Null when the checkout may go on; otherwise the 429 to answer.</summary>
    public async Task<ProblemHttpResult?> CheckAsync(HttpContext context, long userId, string idempotencyKey, string? header,
        CancellationToken cancellationToken)
    {
        var room = await sales.OpenSaleForCartAsync(userId, cancellationToken) is { } saleId ? WaitingRooms.SaleRoom(saleId)
            : rooms.GeneralRoomRequired ? WaitingRooms.GeneralRoom
            : null;
        if (room is null)
        {
            return null;
        }

        if (string.IsNullOrEmpty(header))
        {
            return Refuse(context, room, room == WaitingRooms.GeneralRoom
                ? "Checkout is busier than it can serve right now, so buyers take turns."
                : "A sale holding an item in your cart is open (or opens before this request could be served), so buyers take turns.");
        }

        if (signer.ReadAdmission(header, userId) is not { } admission || admission.Room != room)
        {
            return Refuse(context, room, "The Admission header is not a valid admission to this room for you.");
        }

        if (admission.ExpiresAt <= clock.GetUtcNow())
        {
            return Refuse(context, room, "The admission expired before it was used.");
        }

        return await store.SpendAsync(room, userId, admission.Sequence, idempotencyKey, cancellationToken)
            ? null
            : Refuse(context, room, "This admission was already used by another checkout.");
    }

    private ProblemHttpResult Refuse(HttpContext context, string room, string why)
    {
        var line = rooms.Line(room);
        var estimate = TimeSpan.FromSeconds((line.Waiting + 1) / Math.Max(line.Outflow, rooms.Options.MinOutflowPerSecond));
        return WaitingRoomProblems.AdmissionRequired(context, room, why, estimate);
    }
}
