namespace Bulwark.Lab.Arrivals;

public enum ArrivalProcess
{
    /// <summary>Memoryless arrivals (exponential gaps at the phase's current rate), as independent users produce.</summary>
    Poisson,

    /// <summary>Evenly spaced arrivals at the current rate: useful when a run must be exactly repeatable in count.</summary>
    Uniform,
}
