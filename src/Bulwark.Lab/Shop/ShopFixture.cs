using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Bulwark.Lab.Shop;

public sealed record FixtureOptions
{
    public int Buyers { get; init; } = 300;
    public int Shoppers { get; init; } = 100;
    /// <summary>How many products a flash sale goes for: those with the most stock, so the sale lasts a while before it sells out.</summary>
    public int HotProducts { get; init; } = 5;

    public int SamplePageSize { get; init; } = 100;
    public int SetupConcurrency { get; init; } = 8;

    /// <summary>
    /// The shop's PostgreSQL, when the lab owns it: accounts are then created there with one shared
    /// password hash (see <see cref="DirectUsers"/>) instead of one registration each through the API.
    /// </summary>
    public string? DatabaseConnectionString { get; init; }
}

/// <summary>
/// Everything a run needs from the shop before the clock starts: the catalog sample, the hot
/// products, and signed-in users. Built through the public API only, like a real client.
/// </summary>
public sealed class ShopFixture(Catalog catalog, UserPool users)
{
    public Catalog Catalog { get; } = catalog;
    public UserPool Users { get; } = users;

    public static async Task<ShopFixture> PrepareAsync(ShopClients clients, FixtureOptions options, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        var catalog = await SampleCatalogAsync(clients.Any, options, time, ct);
        logger.LogInformation("Catalog: {Categories} categories, {Products} products sampled, hot products {Hot}",
            catalog.Categories.Count, catalog.Products.Count, string.Join(", ", catalog.Hot.Select(h => $"{h.Id} (stock {h.Stock})")));

        // A fresh prefix per fixture: re-running against the same shop never collides with old accounts.
        var prefix = $"lab-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var shared = options.DatabaseConnectionString is null ? null : DirectUsers.NewSharedPassword();
        var buyers = Enumerable.Range(0, options.Buyers).Select(i => NewUser($"{prefix}-buyer-{i}", isBuyer: true, address: i, shared)).ToList();
        var shoppers = Enumerable.Range(0, options.Shoppers).Select(i => NewUser($"{prefix}-shopper-{i}", isBuyer: false, address: options.Buyers + i, shared)).ToList();
        var users = new UserPool(buyers, shoppers);

        if (options.DatabaseConnectionString is { } database)
            await DirectUsers.CreateAsync(clients.Any, database, ($"{prefix}-template@bulwark.test", shared!), [.. users.All.Select(u => u.Email)], time, logger, ct);

        var started = time.GetTimestamp();
        await Parallel.ForEachAsync(users.All, new ParallelOptions { MaxDegreeOfParallelism = options.SetupConcurrency, CancellationToken = ct },
            async (user, token) =>
            {
                var api = clients.For(user);
                if (options.DatabaseConnectionString is null)
                {
                    var registered = await Patiently(() => api.RegisterAsync(user.Email, user.Password, token), time, token);
                    if (!registered.IsSuccess && registered.Status != HttpStatusCode.Conflict)
                        throw new LabSetupException($"Registering {user.Email} failed: {registered.Describe()}");
                }
                var signedIn = await Patiently(() => SignInAsync(api, user, time, token), time, token);
                if (!signedIn.IsSuccess) throw new LabSetupException($"Signing in {user.Email} failed: {signedIn.Describe()}");
            });
        logger.LogInformation("{How} and signed in {Buyers} buyers and {Shoppers} shoppers in {Seconds:0.0} s",
            options.DatabaseConnectionString is null ? "Registered through the API" : "Created in PostgreSQL", buyers.Count, shoppers.Count,
            time.GetElapsedTime(started).TotalSeconds);

        return new ShopFixture(catalog, users);
    }

    /// <summary>Signs the user in and remembers when to do it again (half way through the token's life).</summary>
    public static async Task<ApiAnswer> SignInAsync(ShopApi api, VirtualUser user, TimeProvider time, CancellationToken ct)
    {
        var answer = await api.SignInAsync(user.Email, user.Password, ct);
        if (!answer.IsSuccess) return answer;
        var json = answer.Json();
        user.Token = json.Property("accessToken", "access_token").Text()
            ?? throw new LabSetupException($"POST /api/sessions answered without accessToken: {answer.Describe()}");
        var lifetime = TimeSpan.FromSeconds(json.Property("expiresIn", "expires_in").Number() ?? 900);
        user.TokenRefreshAt = time.GetUtcNow() + lifetime / 2;
        return answer;
    }

    /// <summary>
    /// Setup is not measured, so a setup call the shop refuses for now (429, 503) is retried after
    /// the Retry-After it gives, a bounded number of times, instead of failing the run.
    /// </summary>
    public static async Task<ApiAnswer> Patiently(Func<Task<ApiAnswer>> call, TimeProvider time, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var answer = await call();
            if (answer.Status is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) || attempt == 20) return answer;
            var wait = answer.RetryAfter ?? TimeSpan.FromSeconds(1);
            await Task.Delay(wait < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : wait, time, ct);
        }
    }

    static VirtualUser NewUser(string name, bool isBuyer, int address, string? sharedPassword) =>
        new($"{name}@bulwark.test", sharedPassword ?? DirectUsers.NewSharedPassword(), isBuyer, address);

    static async Task<Catalog> SampleCatalogAsync(ShopApi api, FixtureOptions options, TimeProvider time, CancellationToken ct)
    {
        var categoriesAnswer = await Patiently(() => api.ListCategoriesAsync(ct), time, ct);
        if (!categoriesAnswer.IsSuccess) throw new LabSetupException($"GET /api/categories failed: {categoriesAnswer.Describe()}");
        var categories = categoriesAnswer.Json().Items()
            .Select(c => new CatalogCategory(
                c.Property("id").IdText() ?? throw new LabSetupException("A category has no id."),
                c.Property("name").Text() ?? "",
                c.Property("productCount").Number() ?? options.SamplePageSize))
            .ToList();
        if (categories.Count == 0) throw new LabSetupException("The shop has no categories: was the catalog seeded?");

        var products = new List<CatalogProduct>();
        foreach (var category in categories)
        {
            var page = await Patiently(() => api.ListProductsAsync(category.Id, 1, options.SamplePageSize, ct), time, ct);
            if (!page.IsSuccess) throw new LabSetupException($"Listing category {category.Id} failed: {page.Describe()}");
            products.AddRange(page.Json().Items().Select(p => new CatalogProduct(
                p.Property("id").IdText() ?? throw new LabSetupException("A product has no id."),
                p.Property("categoryId").IdText() ?? category.Id,
                p.Property("stock").Number() ?? 0)));
        }

        var inStock = products.Where(p => p.Stock > 0).DistinctBy(p => p.Id).ToList();
        if (inStock.Count == 0) throw new LabSetupException("No product in stock among those sampled.");

        // Deterministic order (by id) so a seed picks the same "popular" products every run.
        inStock.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        var hot = inStock
            .OrderByDescending(p => p.Stock).ThenBy(p => p.Id, StringComparer.Ordinal)
            .Take(options.HotProducts)
            .ToList();
        // Hot products are kept out of everyday traffic so a flash sale's sell-out is the sale's alone.
        var hotIds = hot.Select(h => h.Id).ToHashSet();
        return new Catalog(categories, [.. inStock.Where(p => !hotIds.Contains(p.Id))], hot);
    }
}

/// <summary>The shop could not be prepared for a run; the message says which call and what it answered.</summary>
public sealed class LabSetupException(string message) : Exception(message);
