using System.Text.Json;
using Bulwark.Lab.Load;

namespace Bulwark.Lab.Shop;

/// <summary>
/// Carries out one planned action against the shop as a user would. The answer that decides the
/// action's outcome is reported through <c>answered</c> the moment it arrives, so clean-up calls a
/// user would make afterwards (reloading an uncertain cart, dropping a sold-out item) never count
/// in the latency.
/// </summary>
/// <param name="immediateRetries">
/// How often a refused call (503, 429) is sent again at once, ignoring Retry-After, as badly written
/// clients and bots do; 0 (the lab's users) gives up on the first refusal and leaves it to the next visit.
/// </param>
public sealed class ShopActions(ShopClients clients, ShopFixture fixture, PurchaseLedger ledger, TimeProvider time, string paymentToken = "tok_visa", int immediateRetries = 0)
{
    /// <summary>A buyer keeps at most this many lines: failed purchases leave items behind, and carts must not grow without end.</summary>
    const int MaxBuyerCartLines = 3;

    /// <summary>Shoppers fill carts they never buy; a few lines each keeps the cart rows realistic.</summary>
    const int MaxShopperCartLines = 5;

    public ShopFixture Fixture => fixture;

    public async Task RunAsync(PlannedAction action, VirtualUser? user, Action<ApiAnswer> answered, CancellationToken ct)
    {
        switch (action.Class)
        {
            case RequestClass.Browse:
                answered(await InsistAsync(() => clients.ForAnonymous(action.Who).ListProductsAsync(action.CategoryId!, action.Page, PlannedAction.BrowsePageSize, ct, keepBody: false)));
                return;
            case RequestClass.Product:
                answered(await InsistAsync(() => clients.ForAnonymous(action.Who).GetProductAsync(action.ProductId!, ct, keepBody: false)));
                return;
            case RequestClass.SignIn:
                // Anyone may sign in while another action uses the same account: the shop issues a second token.
                var who = fixture.Users.All[action.Who % fixture.Users.All.Count];
                answered(await clients.For(who).SignInAsync(who.Email, who.Password, ct));
                return;
            case RequestClass.Cart:
                await FillCartAsync(action, user ?? throw new ArgumentNullException(nameof(user)), answered, ct);
                return;
            case RequestClass.Checkout:
                await PurchaseAsync(action, user ?? throw new ArgumentNullException(nameof(user)), answered, ct);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action.Class, null);
        }
    }

    async Task FillCartAsync(PlannedAction action, VirtualUser user, Action<ApiAnswer> answered, CancellationToken ct)
    {
        var api = clients.For(user);
        var signIn = await SignInIfDueAsync(user, ct);
        if (signIn is { IsSuccess: false })
        {
            answered(signIn);
            return;
        }
        var productId = action.ProductId!;
        if (user.Cart.Count >= MaxShopperCartLines && !user.Cart.ContainsKey(productId))
            productId = user.Cart.Keys.First();   // change a quantity instead of adding a line

        var put = await api.PutCartItemAsync(user.Token!, productId, action.Quantity, ct, keepBody: false);
        answered(put.After(signIn));
        Remember(user, put, productId, action.Quantity);
    }

    async Task PurchaseAsync(PlannedAction action, VirtualUser user, Action<ApiAnswer> answered, CancellationToken ct)
    {
        var api = clients.For(user);
        var earlier = await SignInIfDueAsync(user, ct);
        if (earlier is { IsSuccess: false })
        {
            answered(earlier);
            return;
        }
        if (user.CartUncertain)
        {
            earlier = (await ReloadCartAsync(user, ct)).After(earlier);
            if (!earlier.IsSuccess)
            {
                answered(earlier);
                return;
            }
        }

        var productId = action.ProductId!;
        if (user.Cart.Count < MaxBuyerCartLines && !user.Cart.ContainsKey(productId))
        {
            var put = (await InsistAsync(() => api.PutCartItemAsync(user.Token!, productId, 1, ct, keepBody: false))).After(earlier);
            earlier = put;
            Remember(user, put, productId, 1);
            if (!put.IsSuccess)
            {
                answered(put);
                if (put.Outcome == Outcome.SoldOut) await DropAsync(user, productId, ct);
                return;
            }
        }

        // One key for every retry: a checkout sent again after a refusal can never buy twice.
        var key = Guid.NewGuid().ToString("N");
        var checkout = (await InsistAsync(() => api.CheckoutAsync(user.Token!, key, paymentToken, ct))).After(earlier);
        answered(checkout);

        switch (checkout.Outcome)
        {
            case Outcome.Success:
                var order = checkout.Json();
                var orderId = order.Property("orderId", "id").IdText() ?? $"unnamed-{Guid.NewGuid():N}";
                ledger.Confirm(new ConfirmedOrder(orderId, order.Property("status").Text() ?? "unknown", new Dictionary<string, int>(user.Cart)));
                user.Cart.Clear();
                break;
            case Outcome.SoldOut:
                // The buyer takes the sold-out item out and tries again another time, as a person would.
                await DropAsync(user, productId, ct);
                break;
            case Outcome.Timeout:
            case Outcome.Error when checkout.Status is null or System.Net.HttpStatusCode.BadGateway or System.Net.HttpStatusCode.GatewayTimeout:
                // No answer (or a proxy's 502/504 in the shop's place): the order may or may not exist, so the cart may or may not be empty.
                user.CartUncertain = true;
                break;
        }
    }

    async Task<ApiAnswer> InsistAsync(Func<Task<ApiAnswer>> call)
    {
        var answer = await call();
        for (var retry = 0; retry < immediateRetries && answer.Outcome is Outcome.Shed or Outcome.Limited; retry++) answer = (await call()).After(answer);
        return answer;
    }

    /// <summary>The sign-in made because the user's token was missing or half spent; null when none was due.</summary>
    async Task<ApiAnswer?> SignInIfDueAsync(VirtualUser user, CancellationToken ct) =>
        user.Token is not null && time.GetUtcNow() < user.TokenRefreshAt
            ? null
            : await ShopFixture.SignInAsync(clients.For(user), user, time, ct);

    async Task<ApiAnswer> ReloadCartAsync(VirtualUser user, CancellationToken ct)
    {
        var answer = await clients.For(user).GetCartAsync(user.Token!, ct);
        if (!answer.IsSuccess) return answer;
        user.Cart.Clear();
        foreach (var line in ReadLines(answer.Json())) user.Cart[line.Key] = line.Value;
        user.CartUncertain = false;
        return answer;
    }

    async Task DropAsync(VirtualUser user, string productId, CancellationToken ct)
    {
        var removed = await clients.For(user).RemoveCartItemAsync(user.Token!, productId, ct);
        if (removed.IsSuccess || removed.Status == System.Net.HttpStatusCode.NotFound) user.Cart.Remove(productId);
        else user.CartUncertain = true;
    }

    static void Remember(VirtualUser user, ApiAnswer put, string productId, int quantity)
    {
        if (put.IsSuccess) user.Cart[productId] = quantity;
        else if (put.Status is null) user.CartUncertain = true;
    }

    /// <summary>Cart or order lines: <c>{productId, quantity}</c> objects under <c>items</c> or <c>lines</c>.</summary>
    internal static IEnumerable<KeyValuePair<string, int>> ReadLines(JsonElement container)
    {
        var lines = container.Property("lines", "items");
        if (lines is not { ValueKind: JsonValueKind.Array } array) yield break;
        foreach (var line in array.EnumerateArray())
        {
            var productId = line.Property("productId", "product_id").IdText()
                ?? line.Property("product").GetValueOrDefault().Property("id").IdText();
            var quantity = line.Property("quantity").Number();
            if (productId is not null && quantity is > 0) yield return new(productId, (int)quantity.Value);
        }
    }
}
