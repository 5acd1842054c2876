using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Gate;
using Npgsql;

namespace Bulwark.Shop.Checkout;

/// <summary>A charged order to mark paid, with the gateway's charge id.</summary>
internal sealed record PaidRequest(long OrderId, string ChargeId);

/// <summary>
/// Marks many charged orders paid in one statement (one transaction, one WAL flush), and removes what each bought
/// from its buyer's cart. Reservations are coalesced, so a batch of up to <c>MaxBatch</c> orders came out of one
/// transaction; settling each in its own cost one flush and one connection turn per order, and when checkouts
/// alone exceeded what the database could serve those settles queued until their deadline could not be met (lab, 5×
/// the mix: 536 charged orders left to the reconciler in 20 s). Only <c>pending_payment</c> orders change, so an
/// order the reconciler settled meanwhile is reported as not paid here, exactly as the single statement did.
/// </summary>
internal sealed class PaidBatch(IDatabaseGate gate)
{
    /// <summary>One answer per request, in the requests' order: true if this batch marked it paid.</summary>
    public async Task<IReadOnlyList<bool>> MarkPaidAsync(IReadOnlyList<PaidRequest> requests, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        // Charged orders are finished before new checkouts start, whichever flow drains the batch.
        using var continuing = ContinuingWork.Begin();
        return await RequestDeadline.RunUnderAsync(deadline, () => RunAsync(requests, cancellationToken));
    }

    private Task<IReadOnlyList<bool>> RunAsync(IReadOnlyList<PaidRequest> requests, CancellationToken cancellationToken) =>
        gate.RunAsync<IReadOnlyList<bool>>(Priority.Critical, cancellationToken, async (connection, token) =>
        {
            await using var command = new NpgsqlCommand("""
                WITH charged AS (
                    SELECT * FROM unnest($1::bigint[], $2::text[]) AS c(order_id, charge_id)
                ), paid AS (
                    UPDATE orders o SET status = 'paid', payment_id = c.charge_id, updated_at = now()
                    FROM charged c
                    WHERE o.id = c.order_id AND o.status = 'pending_payment'
                    RETURNING o.id, o.user_id
                ), bought AS (
                    DELETE FROM cart_items ci USING paid, order_lines ol
                    WHERE ol.order_id = paid.id AND ci.user_id = paid.user_id AND ci.product_id = ol.product_id
                )
                SELECT id FROM paid
                """, connection)
            {
                Parameters =
                {
                    new() { Value = requests.Select(request => request.OrderId).ToArray() },
                    new() { Value = requests.Select(request => request.ChargeId).ToArray() },
                },
            };
            var paid = new HashSet<long>();
            await using (var reader = await command.ExecuteReaderAsync(token))
            {
                while (await reader.ReadAsync(token))
                {
                    paid.Add(reader.GetInt64(0));
                }
            }

            return requests.Select(request => paid.Contains(request.OrderId)).ToArray();
        });
}
