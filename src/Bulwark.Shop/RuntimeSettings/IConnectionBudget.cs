namespace Bulwark.Shop.RuntimeSettings;

/// <summary>What the live system says about connections, against which a settings change is judged.</summary>
public interface IConnectionBudget
{
    /// <summary>The most connections this instance may use: the server's budget divided among the instances, and how it was derived.</summary>
    (int Ceiling, string Derivation) ServerBudget { get; }

    /// <summary>The most database connections one instance had in use at once over the last <paramref name="window"/>.</summary>
    Task<int> PeakInUseAsync(TimeSpan window, CancellationToken cancellationToken);
}
