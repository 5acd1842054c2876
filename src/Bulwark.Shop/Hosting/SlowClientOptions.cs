using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Bulwark.Shop.Errors;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Hosting;

/// <summary>
/// How long a slow or idle client may hold a connection (section <c>Http</c>), set on Kestrel explicitly
/// rather than left to its defaults: a client dripping its headers or body a byte at a time is cut off
/// within seconds instead of keeping a connection slot (and, for a body, a request) for as long as it likes.
/// </summary>
public sealed class SlowClientOptions
{
    public const string Section = "Http";

    /// <summary>Time to receive a request's headers, from its first byte (Kestrel's default 30 s). Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an idle connection is kept open for its next request (Kestrel's default 130 s). Default
    /// 75 s: above the 60 s after which a proxy such as nginx drops its idle upstream connections, so the
    /// proxy, not the shop, closes them (no request is sent on a connection the shop is closing).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(75);

    /// <summary>
    /// Slowest a request body may arrive, averaged once the grace period has passed (Kestrel's default
    /// 240 B/s). Default 1,024 B/s: the largest body (64 KiB) still gets a minute.
    /// </summary>
    [Range(1, 1_000_000)]
    public double MinRequestBodyBytesPerSecond { get; set; } = 1024;

    /// <summary>How long a body may arrive slower than that before the rate is enforced (above Kestrel's 1 s heartbeat). Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01.100", "00:01:00")]
    public TimeSpan MinRequestBodyGracePeriod { get; set; } = TimeSpan.FromSeconds(5);
}

public static class SlowClients
{
    public static void AddSlowClientLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SlowClientOptions>().BindConfiguration(SlowClientOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<SlowClientOptions>>((kestrel, options) =>
        {
            var slow = options.Value;
            kestrel.Limits.RequestHeadersTimeout = slow.RequestHeadersTimeout;
            kestrel.Limits.KeepAliveTimeout = slow.KeepAliveTimeout;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(slow.MinRequestBodyBytesPerSecond, slow.MinRequestBodyGracePeriod);
        });
    }

    /// <summary>
    /// Refuses a body in a charset nothing here can decode (415), and reads a request's body (at most
    /// <see cref="ShopErrors.MaxRequestBodyBytes"/>, refused beyond)
    /// before its deadline starts: an upload's time is the client's, cut by the minimum data rate with a 408,
    /// not the server's, whose deadline would answer a slow body with a 503 as if the shop were overloaded.
    /// Place after the edge (a refused request is never read) and before the admission middleware.
    /// </summary>
    public static void UseBodiesBeforeDeadlines(this WebApplication app) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (ShopErrors.UnknownCharset(request) is { } charset)
            {
                // System.Text.Json would throw deep in model binding (a 500); the client sent what cannot be decoded.
                await TypedResults.Problem(title: "Unsupported media type",
                    detail: $"The request body's charset '{charset}' is not supported; send UTF-8 JSON (application/json).",
                    statusCode: StatusCodes.Status415UnsupportedMediaType).ExecuteAsync(context);
                return;
            }

            if (request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0))
            {
                request.EnableBuffering(bufferThreshold: (int)ShopErrors.MaxRequestBodyBytes, bufferLimit: ShopErrors.MaxRequestBodyBytes);
                await request.Body.DrainAsync(context.RequestAborted);
                request.Body.Position = 0;
            }

            await next(context);
        });
}
