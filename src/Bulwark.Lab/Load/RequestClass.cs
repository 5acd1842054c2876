namespace Bulwark.Lab.Load;

/// <summary>What a virtual user is doing; each class is reported separately.</summary>
public enum RequestClass
{
    /// <summary>A category page: <c>GET /api/products?category=..&amp;page=..</c>.</summary>
    Browse,

    /// <summary>A product page: <c>GET /api/products/{id}</c>.</summary>
    Product,

    /// <summary><c>POST /api/sessions</c>: password check, CPU on the shop, a read on the database.</summary>
    SignIn,

    /// <summary><c>PUT /api/cart/items/{id}</c> by a shopper who is not buying yet.</summary>
    Cart,

    /// <summary>A purchase: put the item in the cart, then <c>POST /api/checkout</c>; timed from the intended start to the checkout answer.</summary>
    Checkout,
}

public static class RequestClasses
{
    public static IReadOnlyList<RequestClass> All { get; } = Enum.GetValues<RequestClass>();

    /// <summary>The name used in JSON, tables and charts.</summary>
    public static string Key(this RequestClass c) => c switch
    {
        RequestClass.Browse => "browse",
        RequestClass.Product => "product",
        RequestClass.SignIn => "signIn",
        RequestClass.Cart => "cart",
        RequestClass.Checkout => "checkout",
        _ => throw new ArgumentOutOfRangeException(nameof(c), c, null),
    };
}
