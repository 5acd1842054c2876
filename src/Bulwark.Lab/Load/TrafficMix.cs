namespace Bulwark.Lab.Load;

/// <summary>Relative weights of the request classes in one traffic stream.</summary>
public sealed class TrafficMix
{
    readonly (RequestClass Class, double Cumulative)[] _table;

    public TrafficMix(IReadOnlyDictionary<RequestClass, double> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Values.Any(w => !double.IsFinite(w) || w < 0)) throw new ArgumentException("Weights must be finite and ≥ 0.", nameof(weights));
        var total = weights.Values.Sum();
        if (total <= 0) throw new ArgumentException("At least one class needs a positive weight.", nameof(weights));

        Weights = weights;
        var cumulative = 0.0;
        _table = [.. weights.Where(w => w.Value > 0).OrderBy(w => w.Key).Select(w => (w.Key, cumulative += w.Value / total))];
    }

    public IReadOnlyDictionary<RequestClass, double> Weights { get; }

    public RequestClass Pick(Random random)
    {
        var u = random.NextDouble();
        foreach (var (requestClass, cumulative) in _table)
            if (u < cumulative) return requestClass;
        return _table[^1].Class;   // rounding left u just above the last cumulative share
    }

    public static TrafficMix Only(RequestClass c) => new(new Dictionary<RequestClass, double> { [c] = 1 });

    /// <summary>A storefront day: mostly looking, some carts, few purchases.</summary>
    public static TrafficMix Storefront { get; } = new(new Dictionary<RequestClass, double>
    {
        [RequestClass.Browse] = 45,
        [RequestClass.Product] = 30,
        [RequestClass.SignIn] = 5,
        [RequestClass.Cart] = 12,
        [RequestClass.Checkout] = 8,
    });
}
