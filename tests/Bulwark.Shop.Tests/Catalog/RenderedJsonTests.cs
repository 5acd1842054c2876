using System.Text;
using System.Text.Json;
using Bulwark.Shop.Catalog;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Shop.Tests.Catalog;

/// <summary>A catalog answer rendered once per value says exactly what serializing it per request said.</summary>
public sealed class RenderedJsonTests
{
    private sealed record Item(long Id, string Name);

    private static readonly IServiceProvider Services = new ServiceCollection().AddLogging()
        .Configure<JsonOptions>(options => options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase)
        .BuildServiceProvider();

    private static async Task<(int Status, string? ContentType, long? Length, string Body)> ExecuteAsync(IResult result)
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteAsync(context);
        return (context.Response.StatusCode, context.Response.ContentType, context.Response.ContentLength, Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task It_answers_what_ok_answers_for_the_same_value_every_time()
    {
        var page = new List<Item> { new(1, "Kettle"), new(2, "Teapot") };

        var expected = await ExecuteAsync(TypedResults.Ok(page));
        var first = await ExecuteAsync(RenderedJson.Ok(page, keep: true));
        var again = await ExecuteAsync(RenderedJson.Ok(page, keep: true));

        Assert.Equal("""[{"id":1,"name":"Kettle"},{"id":2,"name":"Teapot"}]""", expected.Body);
        Assert.Equal((200, expected.ContentType, (long?)expected.Body.Length, expected.Body), first);
        Assert.Equal(first, again);
    }

    [Fact]
    public async Task A_value_made_for_one_request_is_written_but_not_kept()
    {
        var withSale = new Item(3, "Kettle at half price");

        Assert.Equal("""{"id":3,"name":"Kettle at half price"}""", (await ExecuteAsync(RenderedJson.Ok(withSale, keep: false))).Body);
        Assert.False(RenderedJson<Item>.IsKept(withSale));
        await ExecuteAsync(RenderedJson.Ok(withSale, keep: true));
        Assert.True(RenderedJson<Item>.IsKept(withSale));
    }

    [Fact]
    public async Task A_new_value_is_rendered_anew()
    {
        var kettle = new Item(1, "Kettle");
        await ExecuteAsync(RenderedJson.Ok(kettle, keep: true));

        var renamed = kettle with { Name = "Electric kettle" };

        Assert.Equal("""{"id":1,"name":"Electric kettle"}""", (await ExecuteAsync(RenderedJson.Ok(renamed, keep: true))).Body);
    }
}
