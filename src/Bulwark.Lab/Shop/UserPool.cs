using System.Collections.Concurrent;

namespace Bulwark.Lab.Shop;

/// <summary>
/// Registered users split into buyers (who check out) and shoppers (who only fill carts), handed
/// out one action at a time. When no user is free the arrival cannot be sent and the generator
/// counts it as dropped: more concurrent purchases than users is a limit of the lab, not the shop.
/// </summary>
public sealed class UserPool
{
    readonly ConcurrentQueue<VirtualUser> _freeBuyers;
    readonly ConcurrentQueue<VirtualUser> _freeShoppers;

    public UserPool(IReadOnlyList<VirtualUser> buyers, IReadOnlyList<VirtualUser> shoppers)
    {
        Buyers = buyers;
        Shoppers = shoppers;
        All = [.. buyers, .. shoppers];
        _freeBuyers = new ConcurrentQueue<VirtualUser>(buyers);
        _freeShoppers = new ConcurrentQueue<VirtualUser>(shoppers);
    }

    public IReadOnlyList<VirtualUser> Buyers { get; }
    public IReadOnlyList<VirtualUser> Shoppers { get; }
    public IReadOnlyList<VirtualUser> All { get; }

    public bool TryLeaseBuyer(out VirtualUser user) => _freeBuyers.TryDequeue(out user!);

    public bool TryLeaseShopper(out VirtualUser user) => _freeShoppers.TryDequeue(out user!);

    public void Return(VirtualUser user)
    {
        if (user.IsBuyer) _freeBuyers.Enqueue(user);
        else _freeShoppers.Enqueue(user);
    }
}
