using Microsoft.Extensions.Options;

namespace Bulwark.PaymentSandbox.Faults;

/// <summary>
/// The sandbox's only source of chance. Seeded from <see cref="PaymentSandboxOptions.RandomSeed"/> so a load lab
/// run with a seed injects the same faults in the same order every time.
/// </summary>
internal sealed class FaultDice(IOptions<PaymentSandboxOptions> options)
{
    private readonly Random _random = options.Value.RandomSeed is { } seed ? new Random(seed) : new Random();
    private readonly Lock _gate = new();

    /// <summary>A uniform draw in [0, 1).</summary>
    public double Roll()
    {
        // Random is not thread-safe, and Random.Shared cannot be seeded.
        lock (_gate)
        {
            return _random.NextDouble();
        }
    }
}
