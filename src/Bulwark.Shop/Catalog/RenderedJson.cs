using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Catalog;

/// <summary>
/// A 200 with <typeparamref name="T"/> as JSON, rendered once per value rather than once per request: a cached catalog
/// page was serialized anew for every browse — a tenth of the shop's CPU at 5× the lab's mix (CPU profile, 2026-12-03).
/// The bytes are kept beside the value they render (a weak table: when the cache replaces or drops a value, its bytes
/// go with it), so a catalog change renders anew. A value made for one request only (a sale's price laid over a cached
/// page) is written without being kept: keeping it would cost a table entry per request for bytes nobody reads again.
/// Only for values nobody changes once made (the catalog's records). To OpenAPI it declares what <c>Ok&lt;T&gt;</c> does.
/// </summary>
public sealed class RenderedJson<T>(T value, bool keep) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult<T>, IContentTypeHttpResult
    where T : class
{
    private const string JsonContentType = "application/json; charset=utf-8";

    private static readonly ConditionalWeakTable<T, byte[]> Rendered = [];

    public T Value => value;

    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => JsonContentType;

    public Task ExecuteAsync(HttpContext context)
    {
        if (!Rendered.TryGetValue(value, out var body))
        {
            var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            body = JsonSerializer.SerializeToUtf8Bytes(value, options);
            if (keep)
            {
                // Two requests may render the same value at once; either copy is right.
                Rendered.AddOrUpdate(value, body);
            }
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = JsonContentType;
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>Whether bytes are kept for <paramref name="candidate"/> (tests).</summary>
    internal static bool IsKept(T candidate) => Rendered.TryGetValue(candidate, out _);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
}

/// <summary>Creates <see cref="RenderedJson{T}"/> answers.</summary>
public static class RenderedJson
{
    /// <param name="value">The answer.</param>
    /// <param name="keep">Whether <paramref name="value"/> is a cached value that later requests answer again.</param>
    public static RenderedJson<T> Ok<T>(T value, bool keep) where T : class => new(value, keep);
}
