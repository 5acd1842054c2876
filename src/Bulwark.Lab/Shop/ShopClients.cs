namespace Bulwark.Lab.Shop;

/// <summary>
/// The shop's API as seen from each of the lab's client addresses: a user always talks from the
/// same address (as a person's browser does), anonymous requests from any.
/// </summary>
public sealed class ShopClients(IReadOnlyList<ShopApi> apis) : IDisposable
{
    public IReadOnlyList<ShopApi> All => apis;

    public ShopApi Any => apis[0];

    public ShopApi For(VirtualUser user) => apis[user.Address % apis.Count];

    /// <summary>The client for an anonymous request, chosen from the request's planned random number.</summary>
    public ShopApi ForAnonymous(int pick) => apis[pick % apis.Count];

    public static ShopClients Create(Uri target, int maxConnections, TimeSpan requestTimeout, int addresses = LabHttp.DefaultClientAddresses,
        Orchestration.FrontDoor? door = null) =>
        new([.. LabHttp.CreateLoadClients(target, maxConnections, addresses, door).Select(http => new ShopApi(http, requestTimeout))]);

    public void Dispose()
    {
        foreach (var api in apis) api.Http.Dispose();
    }
}
