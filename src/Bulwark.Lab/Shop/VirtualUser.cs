namespace Bulwark.Lab.Shop;

/// <summary>
/// A registered shopper. Only one action uses a user at a time (the pool leases them), so the
/// user's idea of its cart stays consistent with the shop's.
/// </summary>
public sealed class VirtualUser(string email, string password, bool isBuyer, int address = 0)
{
    /// <summary>Which of the lab's client addresses this user's requests come from.</summary>
    public int Address { get; } = address;

    public string Email { get; } = email;

    /// <summary>Buyers check out; shoppers only fill carts (their carts are never bought, so they stay small).</summary>
    public bool IsBuyer { get; } = isBuyer;

    public string Password { get; } = password;
    public string? Token { get; set; }
    public DateTimeOffset TokenRefreshAt { get; set; }

    /// <summary>What the user believes is in its cart: product id → quantity.</summary>
    public Dictionary<string, int> Cart { get; } = [];

    /// <summary>Set when a cart call ended without an answer: the next purchase reloads the cart first.</summary>
    public bool CartUncertain { get; set; }
}
