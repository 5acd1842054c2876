using Bulwark.Guard.Deadlines;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Database;
using Bulwark.Shop.Orders;
using Bulwark.Shop.Payments;
using Dapper;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Checkout;

/// <summary>
/// Settles orders whose payment outcome a request could not learn (gateway timeout, crash between the
/// charge and the settlement): it asks the gateway by the order's idempotency key and records what it
/// says. Several instances may run it at once: settlement only moves an order out of pending_payment once.
/// Each pass then settles open refunds (<see cref="RefundReconciler"/>).
/// </summary>
public sealed class PaymentReconciler(IDatabaseGate gate, StockReservation reservations, IServiceScopeFactory scopes,
    DatabaseReadiness readiness, IOptions<PaymentsOptions> options, TimeProvider clock, ILogger<PaymentReconciler> logger) : BackgroundService
{
    private const int BatchSize = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReconcileInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (!readiness.Migrated)
            {
                continue;
            }

            try
            {
                await ReconcileOnceAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Payment reconciliation pass failed: {Message}", exception.Message);
            }
        }
    }

    /// <summary>One pass over the open orders (payments, then refunds); answers how many it settled.</summary>
    public async Task<int> ReconcileOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        IReadOnlyList<PendingOrder> pending;
        using (RequestDeadline.Set(clock.GetUtcNow() + settings.CallTimeout))
        {
            pending = await gate.RunAsync(Priority.Critical, cancellationToken, async (connection, token) =>
                (IReadOnlyList<PendingOrder>)(await connection.QueryAsync<PendingOrder>(new CommandDefinition("""
                    SELECT id, created_at AS CreatedAt FROM orders
                    WHERE status = 'pending_payment' AND updated_at < now() - @after
                    ORDER BY updated_at LIMIT @limit
                    """, new { after = settings.ReconcileAfter, limit = BatchSize }, cancellationToken: token))).AsList());
        }

        // The typed HttpClient is transient by design; take a fresh one per pass instead of holding one forever.
        await using var scope = scopes.CreateAsyncScope();
        var gateway = scope.ServiceProvider.GetRequiredService<PaymentGatewayClient>();
        var settled = 0;
        foreach (var order in pending)
        {
            using var deadline = RequestDeadline.Set(clock.GetUtcNow() + settings.CallTimeout);
            var outcome = await gateway.LookupAsync(PaymentGatewayClient.KeyFor(order.Id), cancellationToken);
            var changed = outcome.Result switch
            {
                PaymentResult.Succeeded => await reservations.MarkPaidAsync(order.Id, outcome.ChargeId!, cancellationToken),
                PaymentResult.Declined => await reservations.MarkFailedAsync(order.Id, outcome.Detail, cancellationToken),
                PaymentResult.NotFound when clock.GetUtcNow().UtcDateTime - order.CreatedAt > settings.AbandonAfter =>
                    await reservations.MarkFailedAsync(order.Id, "The payment never reached the gateway.", cancellationToken),
                _ => false,
            };
            if (changed)
            {
                settled++;
                logger.LogInformation("Reconciled order {OrderId}: {Result}", order.Id, outcome.Result);
            }
        }

        // Refunds whose outcome is open are settled on the same timer, by the same rule: ask by key, never guess.
        return settled + await scope.ServiceProvider.GetRequiredService<RefundReconciler>().ReconcileOnceAsync(cancellationToken);
    }

    private sealed record PendingOrder(long Id, DateTime CreatedAt);
}
