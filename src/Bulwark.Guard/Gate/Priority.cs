namespace Bulwark.Guard.Gate;

/// <summary>
/// How much a unit of database work matters when connections are scarce. Lower value = served first.
/// </summary>
public enum Priority
{
    /// <summary>Money moves: checkout and payment settlement.</summary>
    Critical = 0,

    /// <summary>User state: cart, accounts, sessions.</summary>
    Normal = 1,

    /// <summary>Reads that can be retried or served from cache: browse, search.</summary>
    Sheddable = 2,
}
