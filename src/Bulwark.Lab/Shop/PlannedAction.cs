using Bulwark.Lab.Load;

namespace Bulwark.Lab.Shop;

/// <summary>
/// What an arrival will do, decided on the dispatch thread from the run's seeded random so that a
/// seed replays the same requests; carried out concurrently by <see cref="ShopActions"/>.
/// </summary>
public sealed record PlannedAction(RequestClass Class, string? ProductId = null, string? CategoryId = null, int Page = 1, int Quantity = 1, int Who = 0)
{
    public const int BrowsePageSize = 20;

    public static PlannedAction Plan(RequestClass requestClass, ProductChoice products, Catalog catalog, Random random)
    {
        string ViewProduct() => (products == ProductChoice.Hot ? catalog.PickHot(random) : catalog.PickPopular(random)).Id;
        string BuyProduct() => (products == ProductChoice.Hot ? catalog.PickHot(random) : catalog.PickAny(random)).Id;

        switch (requestClass)
        {
            case RequestClass.Browse:
                var (category, page) = catalog.PickPage(random, BrowsePageSize);
                return new PlannedAction(requestClass, CategoryId: category, Page: page, Who: random.Next(int.MaxValue));
            case RequestClass.Product:
                return new PlannedAction(requestClass, ProductId: ViewProduct(), Who: random.Next(int.MaxValue));
            case RequestClass.SignIn:
                return new PlannedAction(requestClass, Who: random.Next(int.MaxValue));
            case RequestClass.Cart:
                return new PlannedAction(requestClass, ProductId: BuyProduct(), Quantity: 1 + random.Next(3));
            case RequestClass.Checkout:
                return new PlannedAction(requestClass, ProductId: BuyProduct());
            default:
                throw new ArgumentOutOfRangeException(nameof(requestClass), requestClass, null);
        }
    }
}
