using System.Diagnostics.Metrics;
using Bulwark.Shop.Operations.Metrics;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace Bulwark.Shop.Payments;

/// <summary>
/// The payment gateway's circuit breaker (Polly, through the HTTP client's resilience pipeline) and what
/// the shop reads of it: checkout asks <see cref="Open"/> before taking any stock, the dashboard and
/// Prometheus read <c>bulwark.payments.circuit.open</c>.
/// </summary>
public sealed class GatewayCircuit
{
    public const string OpenInstrument = "bulwark.payments.circuit.open";

    private readonly CircuitBreakerStateProvider _state = new();
    private readonly IOptions<PaymentsOptions> _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<GatewayCircuit> _logger;
    private long _closesAtTicks;

    public GatewayCircuit(IOptions<PaymentsOptions> options, TimeProvider clock, IMeterFactory meters, ILogger<GatewayCircuit> logger)
    {
        _options = options;
        _clock = clock;
        _logger = logger;
        meters.Create(ShopTelemetry.MeterName).CreateObservableGauge(OpenInstrument, () => Open ? 1 : 0,
            description: "1 while the payment gateway's circuit is open: checkouts are answered 503 without calling it.");
    }

    /// <summary>
    /// Open within its break (or isolated by hand): a call now would be refused without reaching the gateway.
    /// Polly only moves an open circuit to half-open when a call arrives after the break, so once the break
    /// is over this answers false and lets a checkout through to be that probe.
    /// </summary>
    public bool Open => _state.CircuitState switch
    {
        CircuitState.Isolated => true,
        CircuitState.Open => _clock.GetUtcNow().UtcTicks < Interlocked.Read(ref _closesAtTicks),
        _ => false,
    };

    /// <summary>Until a checkout may probe the gateway again; at least a second, for a Retry-After header.</summary>
    public TimeSpan RetryAfter
    {
        get
        {
            var left = new DateTimeOffset(Interlocked.Read(ref _closesAtTicks), TimeSpan.Zero) - _clock.GetUtcNow();
            return left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1);
        }
    }

    /// <summary>The breaker's settings for the gateway's pipeline, wired to this instance's state and log.</summary>
    public HttpCircuitBreakerStrategyOptions StrategyOptions()
    {
        var settings = _options.Value.CircuitBreaker;
        return new HttpCircuitBreakerStrategyOptions
        {
            FailureRatio = settings.FailureRatio,
            MinimumThroughput = settings.MinimumThroughput,
            SamplingDuration = settings.SamplingDuration,
            BreakDuration = settings.BreakDuration,
            StateProvider = _state,
            OnOpened = opened =>
            {
                Interlocked.Exchange(ref _closesAtTicks, (_clock.GetUtcNow() + opened.BreakDuration).UtcTicks);
                _logger.LogError("Payment gateway circuit opened for {BreakDuration}: checkouts are refused with 503 until a probe succeeds",
                    opened.BreakDuration);
                return ValueTask.CompletedTask;
            },
            OnHalfOpened = _ =>
            {
                _logger.LogWarning("Payment gateway circuit half-open: the next checkout probes the gateway");
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                _logger.LogWarning("Payment gateway circuit closed: payments flow again");
                return ValueTask.CompletedTask;
            },
        };
    }
}
