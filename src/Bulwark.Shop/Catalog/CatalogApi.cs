using Bulwark.Guard.Edge;
using Bulwark.Guard.Gate;
using Bulwark.Shop.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Bulwark.Shop.Catalog;

public static class CatalogApi
{
    public const int MaxPageSize = 100;

    public static void AddCatalog(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<CatalogCache>();
        builder.Services.AddSingleton<Bulwark.Shop.RuntimeSettings.IRuntimeSettingsConsumer>(services => services.GetRequiredService<CatalogCache>());
        builder.Services.AddSingleton<CatalogReads>();
        builder.Services.AddSingleton<CatalogStore>();
        builder.Services.TryAddSingleton<ICatalogSales, NoCatalogSales>();
        builder.Services.AddSingleton<CatalogInvalidation>();
        builder.Services.AddSingleton<Database.IDatabaseNotificationHandler>(services => services.GetRequiredService<CatalogInvalidation>());
    }

    public static void MapCatalogApi(this WebApplication app)
    {
        // Sheddable, but shed at the gate rather than at the edge: most catalog reads are answered from the
        // cache and cost no connection, so refusing them up front would throw away free answers.
        var api = app.MapGroup("/api").WithTags("Catalog");
        api.MapGet("/products", ListProducts).WithPriority(Priority.Sheddable).WithDeferredShedding()
            .WithSummary("Search and page through the catalog")
            .WithDescription("q= finds products whose name or description has every word of q, each as a word prefix (type-ahead), " +
                "best match first; punctuation separates words. A q over 100 characters, of more than 8 words, or with control characters is a 400. " +
                "A product in an open sale carries sale (its sale price, units left at that price and end); null otherwise.");
        api.MapGet("/products/{id:long}", GetProduct).WithPriority(Priority.Sheddable).WithDeferredShedding()
            .WithSummary("One product, with the stock available now")
            .WithDescription("While a sale of the product is open, sale shows its sale price, units left at that price and end; null otherwise.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/categories", ListCategories).WithPriority(Priority.Sheddable).WithDeferredShedding()
            .WithSummary("Every category, with its product count");
    }

    private static async Task<Results<RenderedJson<Paged<Product>>, ValidationProblem>> ListProducts(
        CatalogStore store, ICatalogSales sales, CancellationToken cancellationToken,
        string? q = null, int? category = null, int page = 1, int pageSize = 20)
    {
        if (Problems.Paging(page, pageSize, MaxPageSize) is { } pagingProblem)
        {
            return pagingProblem;
        }

        ProductSearch? search = null;
        if (!string.IsNullOrWhiteSpace(q) && (search = ProductSearch.Parse(q.Trim(), out var searchProblem)) is null)
        {
            return Problems.Invalid("q", searchProblem!);
        }

        var result = await store.ProductsAsync(new ProductQuery(search, category, page, pageSize), cancellationToken);

        // Only an empty answer can mean an unknown category: check then, not on every page.
        if (result.Total == 0 && category is { } categoryId
            && !(await store.CategoriesAsync(cancellationToken)).Any(c => c.Id == categoryId))
        {
            return Problems.Invalid("category", $"There is no category with id {categoryId}; GET /api/categories lists them.");
        }

        // The cached page itself unless an open sale's prices were laid over it for this request.
        var shown = result.WithSales(sales);
        return RenderedJson.Ok(shown, keep: ReferenceEquals(shown, result));
    }

    private static async Task<Results<RenderedJson<Product>, ProblemHttpResult>> GetProduct(long id, CatalogStore store, ICatalogSales sales,
        CancellationToken cancellationToken)
    {
        if (await store.ProductAsync(id, cancellationToken) is not { } product)
        {
            return Problems.NotFound($"There is no product with id {id}.");
        }

        var shown = product.WithSale(sales);
        return RenderedJson.Ok(shown, keep: ReferenceEquals(shown, product));
    }

    private static async Task<RenderedJson<IReadOnlyList<Category>>> ListCategories(CatalogStore store, CancellationToken cancellationToken) =>
        RenderedJson.Ok(await store.CategoriesAsync(cancellationToken), keep: true);
}
