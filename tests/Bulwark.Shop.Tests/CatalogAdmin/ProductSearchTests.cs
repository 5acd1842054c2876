using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Bulwark.Shop.Catalog;
using Bulwark.Shop.Tests.Infrastructure;
using CsCheck;

namespace Bulwark.Shop.Tests.CatalogAdmin;

[Collection(CatalogAdminCollection.Name)]
public sealed class ProductSearchTests(CatalogAdminFixture catalog)
{
    private ShopFixture Shop => catalog.Shop;

    /// <summary>
    /// A made-up word no seeded product has, so each test finds only its own products. It ends in x, which no
    /// English suffix does, so the stemmer keeps it whole and each of its prefixes is a prefix of the indexed word.
    /// </summary>
    private static string Word() => "zz" + string.Concat(Guid.NewGuid().ToString("N")[..10].Select(c => (char)('a' + c % 26))) + "x";

    [Fact]
    public async Task Words_in_the_name_rank_above_words_in_the_description_and_every_word_must_match()
    {
        using var admin = await catalog.AdminAsync();
        var word = Word();
        var inDescription = (await catalog.CreateProductAsync(admin, "Plain Mug", $"A mug glazed in {word} blue.")).GetProperty("id").GetInt64();
        var inName = (await catalog.CreateProductAsync(admin, $"{word} Teapot", "A teapot.")).GetProperty("id").GetInt64();
        var inBoth = (await catalog.CreateProductAsync(admin, $"{word} Jug", $"The {word} jug, {word} through and through.")).GetProperty("id").GetInt64();

        using var client = Shop.Client();
        var page = (await client.GetFromJsonAsync<Paged<Product>>($"/api/products?q={word}"))!;
        Assert.Equal(3, page.Total);
        Assert.Equal(new[] { inBoth, inName, inDescription }, page.Items.Select(product => product.Id));

        var both = (await client.GetFromJsonAsync<Paged<Product>>($"/api/products?q={word}%20teapot"))!;
        Assert.Equal(new[] { inName }, both.Items.Select(product => product.Id));
        // Stemming: "teapots" finds "teapot"; case does not matter.
        Assert.Equal(new[] { inName }, (await client.GetFromJsonAsync<Paged<Product>>($"/api/products?q={word.ToUpperInvariant()}+TEAPOTS"))!.Items.Select(p => p.Id));
    }

    [Fact]
    public async Task A_word_prefix_finds_products_as_the_user_types()
    {
        using var admin = await catalog.AdminAsync();
        var word = Word();
        var id = (await catalog.CreateProductAsync(admin, $"Walnut {word} Desk", "Oiled walnut.")).GetProperty("id").GetInt64();

        using var client = Shop.Client();
        foreach (var typed in new[] { word[..4], word[..7], word })
        {
            var page = (await client.GetFromJsonAsync<Paged<Product>>($"/api/products?q=walnu%20{typed}"))!;
            Assert.Contains(page.Items, product => product.Id == id);
        }

        // A prefix the stemmer would change: "…xin" is not a prefix of the stem of "…xing", but of the word as written.
        var stemmed = (await catalog.CreateProductAsync(admin, $"Glowing {word}ing Lantern")).GetProperty("id").GetInt64();
        Assert.Contains((await client.GetFromJsonAsync<Paged<Product>>($"/api/products?q={word}in"))!.Items, product => product.Id == stemmed);
        Assert.Contains((await client.GetFromJsonAsync<Paged<Product>>($"/api/products?q=glowin%20{word}ing"))!.Items, product => product.Id == stemmed);

        // Punctuation separates words and is never read as query syntax.
        var punctuated = (await client.GetFromJsonAsync<Paged<Product>>($"/api/products?q=%22{word}%22%20%26%7C!%3A*%28desk"))!;
        Assert.Equal(new[] { id }, punctuated.Items.Select(product => product.Id));
    }

    [Fact]
    public async Task The_seeded_catalog_is_found_by_words_of_its_names()
    {
        using var client = Shop.Client();
        var page = (await client.GetFromJsonAsync<Paged<Product>>("/api/products?q=ITEM%201234"))!;
        Assert.Equal(1234, page.Items[0].Id);
        var nothing = (await client.GetFromJsonAsync<Paged<Product>>("/api/products?q=%25_%5C"))!;
        Assert.Equal(0, nothing.Total);
    }

    [Theory]
    [InlineData("a%00b", "control")]
    [InlineData("lamp%E2%80%8Bshade", "invisible")]
    [InlineData("one two three four five six seven eight nine", "words")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "word")]
    public async Task A_search_of_unusual_size_or_characters_is_a_400_naming_q(string q, string mention)
    {
        using var client = Shop.Client();
        await (await client.GetAsync("/api/products?q=" + q)).AssertProblemAsync(HttpStatusCode.BadRequest, "q", mention);
        await (await client.GetAsync("/api/products?q=" + new string('a', 101))).AssertProblemAsync(HttpStatusCode.BadRequest, "q");
    }

    [Fact]
    public async Task Any_text_as_a_search_is_answered_200_or_400_never_500()
    {
        using var client = Shop.Client();
        var text = Gen.Frequency(
            (3, Gen.Char.Array[0, 30].Select(chars => new string(chars))),
            (2, Gen.Char["aé\u0301\u0300ß𝔘😀'\"&|!:*()<>-\\ 0123456789\u05d0\u0627\u4e2d\u0e01ǅʰ\u200d"].Array[0, 30].Select(chars => new string(chars))));
        await text.SampleAsync(async q =>
        {
            string escaped;
            try
            {
                escaped = Uri.EscapeDataString(q);
            }
            catch (UriFormatException)
            {
                return; // a lone surrogate cannot be sent as a URL at all
            }

            using var response = await client.GetAsync("/api/products?pageSize=5&q=" + escaped);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest,
                $"{(int)response.StatusCode} for q={escaped}: {await response.Content.ReadAsStringAsync()}");
        }, iter: 300, threads: 1);
    }

    [Fact]
    public async Task A_repeated_search_is_answered_from_the_cache()
    {
        using var admin = await catalog.AdminAsync();
        var word = Word();
        var id = (await catalog.CreateProductAsync(admin, $"{word} Lamp")).GetProperty("id").GetInt64();
        await using var longCache = await catalog.LongCacheAsync(admin);
        using var client = Shop.Client();
        var url = $"/api/products?q={word}%20lamp";
        Assert.Equal(1, (await client.GetFromJsonAsync<Paged<Product>>(url))!.Total);

        // Renamed behind the shop's back (no NOTIFY): the cached answer still shows the old name, so the
        // repeated searches, the same words however typed, never reached PostgreSQL.
        await Shop.ScalarAsync<int>("UPDATE products SET name = 'Renamed' WHERE id = $1 RETURNING 1", id);
        for (var i = 0; i < 10; i++)
        {
            var page = (await client.GetFromJsonAsync<Paged<Product>>(i % 2 == 0 ? url : $"/api/products?q=%20{word.ToUpperInvariant()}%2C%20Lamp"))!;
            Assert.Equal($"{word} Lamp", Assert.Single(page.Items).Name);
        }
    }
}
