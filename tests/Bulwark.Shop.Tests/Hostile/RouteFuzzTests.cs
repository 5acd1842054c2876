using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Bulwark.Shop.Tests.Infrastructure;
using CsCheck;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Bulwark.Shop.Tests.Hostile;

/// <summary>
/// Property-based fuzzing of every route the shop maps (read from its <see cref="EndpointDataSource"/>,
/// so a new route is fuzzed without touching this file): random JSON shapes, types, sizes, unicode, huge
/// numbers, missing and duplicated fields, odd Authorization / Content-Type / Idempotency-Key headers and
/// odd path segments and queries. For every answer: never a 5xx; every 4xx is <c>application/problem+json</c>
/// with its status; and a refused request (4xx) leaves the database as it found it. Seeded by CsCheck:
/// a failure prints the seed and the shrunk request; set <c>BULWARK_FUZZ_SEED</c> to replay it.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class RouteFuzzTests(ShopFixture shop, ITestOutputHelper output)
{
    private const int Iterations = 600;

    /// <summary>Products the fuzzer may really buy: far from the ids other tests reserve (5000 upwards, a few hundred).</summary>
    private static readonly string[] FuzzProducts = ["9990", "9991", "9992", "9993", "9994"];

    private static readonly string[] FieldNames =
    [
        "email", "password", "quantity", "paymentToken", "settings", "reason", "version", "saleId", "delta", "name",
        "priceCents", "stock", "description", "category", "categoryId", "sku", "guard", "ceiling", "floor", "algorithm",
        "catalog", "cacheTtl", "deadlines", "items", "id", "", "__proto__", "EMAIL", "e\u0301mail",
    ];

    [Fact]
    public async Task No_route_answers_hostile_input_with_a_5xx_a_bare_4xx_or_a_changed_database()
    {
        var (email, password) = await FuzzUserAsync();
        var token = await TokenAsync(email, password);
        var routes = RoutesOf(shop.App);
        Assert.Contains(routes, route => route.Pattern == "/api/checkout");
        output.WriteLine($"fuzzing {routes.Count} routes: {string.Join(", ", routes.Select(r => $"{string.Join('|', r.Methods)} {r.Pattern}"))}");

        // Deliberate shedding (503 + Retry-After, problem details) on a busy machine is retried like a
        // well-mannered client would; a 5xx that persists, or any other, fails.
        using var client = new HttpClient(new RetryAfterHandler(new SocketsHttpHandler { AllowAutoRedirect = false }))
        {
            BaseAddress = shop.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        var statuses = new Dictionary<int, int>();
        var seed = Environment.GetEnvironmentVariable("BULWARK_FUZZ_SEED");
        await Requests(routes).SampleAsync(async request =>
        {
            var status = await SendAndCheckAsync(client, request, token);
            if (status == 204 && request.Method == "DELETE" && request.Path.StartsWith("/api/sessions/current", StringComparison.OrdinalIgnoreCase))
            {
                // The fuzzer signed itself out: sign in again, or every later request would be anonymous.
                token = await TokenAsync(email, password);
            }

            lock (statuses)
            {
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
            }
        }, writeLine: output.WriteLine, seed: string.IsNullOrEmpty(seed) ? null : seed, iter: Iterations, threads: 1,
            print: request => request.ToString());
        output.WriteLine("answers: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
    }

    [Fact]
    public async Task A_body_in_a_charset_nothing_can_decode_is_415_problem_not_500()
    {
        // The fuzzer's first find: System.Text.Json threw from model binding on an unknown charset.
        using var client = shop.Client();
        var before = await FingerprintAsync();
        using var content = new StringContent("{\"email\": \"x@example.com\", \"password\": \"correct horse battery\"}");
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=klingon");
        var response = await client.PostAsync("/api/accounts", content);
        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "klingon");
        Assert.Equal(before, await FingerprintAsync());
    }

    /// <summary>Sends one request and asserts the invariants; answers the status.</summary>
    private async Task<int> SendAndCheckAsync(HttpClient client, FuzzRequest request, string token)
    {
        var before = await FingerprintAsync();
        using var message = request.ToMessage(shop.BaseAddress, token);
        using var response = await client.SendAsync(message);
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status < 500, $"{status} for {request}: {Cut(body)}");
        if (status is 400 or 414 or 431 && body.Length == 0 && response.Headers.ConnectionClose == true)
        {
            // Kestrel itself refused a request it will not parse (an encoded NUL in the path, a request line over
            // 8 KiB, headers over 32 KiB): answered before any middleware runs, with no hook for a body, and the
            // connection closed. Nothing reached the shop.
            Assert.True(before == await FingerprintAsync(), $"{request} was refused by Kestrel yet the database changed");
            return status;
        }

        if (status >= 400)
        {
            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
                $"{status} as {response.Content.Headers.ContentType} for {request}: {Cut(body)}");
            using var problem = JsonDocument.Parse(body);
            Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
            Assert.True(before == await FingerprintAsync(), $"{status} for {request} changed the database");
        }

        return status;
    }

    /// <summary>What a client can change: accounts, stock, carts, live orders and their lines, sign-outs, settings, the catalog, the audit trail.</summary>
    private Task<string> FingerprintAsync() => shop.ScalarAsync<string>("""
        SELECT concat_ws('|',
            (SELECT count(*) FROM users),
            (SELECT sum(stock) FROM products), (SELECT count(*) FROM products),
            (SELECT coalesce(sum(quantity), 0) || ':' || count(*) FROM cart_items),
            (SELECT count(*) FROM orders WHERE status IN ('paid', 'pending_payment')),
            (SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.status IN ('paid', 'pending_payment')),
            (SELECT count(*) FROM revoked_sessions),
            (SELECT count(*) FROM runtime_settings),
            (SELECT sum(price_cents) || ':' || count(hidden_at) FROM products), (SELECT count(*) FROM categories),
            (SELECT count(*) FROM stock_adjustments), (SELECT count(*) FROM audit_log))
        """);

    private async Task<(string Email, string Password)> FuzzUserAsync()
    {
        var email = $"fuzz-{Guid.NewGuid():N}@example.com";
        const string password = "correct horse battery staple";
        using var client = shop.Client();
        (await client.PostAsJsonAsync("/api/accounts", new { email, password })).EnsureSuccessStatusCode();
        return (email, password);
    }

    private async Task<string> TokenAsync(string email, string password)
    {
        using var client = shop.Client();
        return await client.SignInAsync(email, password);
    }

    /// <summary>Every route the app maps, with its methods (all of them when it names none).</summary>
    private static List<FuzzRoute> RoutesOf(WebApplication app) =>
    [
        .. app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(endpoint => new FuzzRoute(
                endpoint.RoutePattern.RawText ?? "/",
                endpoint.RoutePattern.PathSegments,
                endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } methods ? [.. methods] : AnyMethod))
            .GroupBy(route => route.Pattern + string.Join('|', route.Methods)).Select(group => group.First()),
    ];

    private static readonly string[] AnyMethod = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    /// <summary>Stands for the fuzz user's current bearer token (it changes when the fuzzer signs itself out).</summary>
    private const string Token = "$token";

    private static Gen<FuzzRequest> Requests(List<FuzzRoute> routes) =>
        from route in Gen.OneOf([.. routes])
        from method in Gen.Frequency((9, Gen.OneOf(route.Methods)), (1, Gen.OneOf([.. AnyMethod, "OPTIONS"])))
        from segments in route.Segments.Aggregate(Gen.Const(Array.Empty<string>()), (done, segment) =>
            from previous in done from next in SegmentGen(segment) select (string[])[.. previous, next])
        from tail in Gen.Frequency((12, Gen.Const<string>("")), (1, Gen.Const<string>("/")), (1, PathSegment.Select(s => "/" + s)))
        from query in Gen.Frequency((3, Gen.Const<string>("")), (1, Query))
        from body in Body
        from contentType in ContentType
        from authorization in Gen.Frequency(
            (3, Fixed(null)), (5, Fixed("Bearer " + Token)), (1, Fixed("Bearer not-a-token")),
            (1, Fixed("Bearer " + new string('A', 6000))), (1, Fixed("Basic dXNlcjpwYXNz")),
            (1, Fixed("Bearer")), (1, Fixed("Bearer " + Token + "AAAA")),
            (1, Fixed("bearer " + Token + ", Bearer " + Token)))
        from idempotencyKey in Gen.Frequency(
            (3, Fixed(null)), (3, Ascii(1, 40).Select(s => (string?)s)), (1, Fixed("")),
            (1, Ascii(200, 400).Select(s => (string?)s)))
        from admission in Gen.Frequency((6, Fixed(null)), (1, Ascii(0, 60).Select(s => (string?)s)))
        select new FuzzRequest(method, "/" + string.Join('/', segments) + tail + query, body, contentType, authorization, idempotencyKey, admission);

    private static Gen<string> SegmentGen(RoutePatternPathSegment segment) =>
        segment.Parts is [RoutePatternLiteralPart literal] ? Gen.Const(literal.Content) : PathSegment;

    /// <summary>A path segment: mostly a plausible id, else hostile (escaped, so it reaches routing as sent).</summary>
    private static Gen<string> PathSegment => Gen.Frequency(
        (6, Gen.OneOf(FuzzProducts)),
        (1, Gen.OneOf("0", "-1", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e3", "1.5", "0x10",
            "99999999999999999999999999999", "current", "null", "%00", "..%2F..%2Fetc%2Fpasswd", "%2F", "%FF%FE", "%25", "+1", "%20%201")),
        (1, Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Unicode(1, 30).Select(Escape)),
        (1, Gen.Int[2000, 6000].Select(n => new string('9', n))));

    private static Gen<string> QueryValue => Gen.Frequency(
        (2, Gen.Int[-5, 200].Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.OneOf("", "abc", "1e9", "99999999999999999999", "-2147483649", "2147483648", "NaN", "%00", "1,2")),
        (1, Unicode(0, 40).Select(Escape)),
        (1, Gen.Int[1000, 5000].Select(n => new string('x', n))));

    private static Gen<string> Query =>
        from names in Gen.OneOf("page", "pageSize", "q", "category", "limit", "id", "version", "page").Array[1, 4]
        from values in QueryValue.Array[names.Length]
        select "?" + string.Join('&', names.Zip(values, (name, value) => name + "=" + value));

    private static Gen<string?> ContentType => Gen.Frequency(
        (8, Fixed("application/json")), (1, Fixed(null)), (1, Fixed("text/plain")),
        (1, Fixed("application/json; charset=utf-16")), (1, Fixed("application/x-www-form-urlencoded")),
        (1, Fixed("multipart/form-data; boundary=xyz")), (1, Fixed("}{; =;")),
        (1, Fixed("application/problem+json")), (1, Fixed("application/json; charset=klingon")));

    private static Gen<string?> Body => Gen.Frequency(
        (2, Fixed(null)),
        (6, KnownObject.Select(s => (string?)s)),
        (3, Json(3).Select(s => (string?)s)),
        (1, Unicode(0, 200).Select(s => (string?)s)),
        (1, KnownObject.Select(s => (string?)DuplicateFirstField(s))),
        (1, Gen.Int[60, 3000].Select(depth => (string?)(new string('[', depth) + new string(']', depth)))),
        (1, Gen.Int[60, 3000].Select(depth => (string?)(string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)))),
        (1, Gen.Int[66_000, 90_000].Select(n => (string?)("{\"email\": \"" + new string('a', n) + "\"}"))),
        (1, KnownObject.Select(s => (string?)s[..(s.Length / 2)])));

    /// <summary>An object of the API's own field names, with values of any type (sometimes the right one).</summary>
    private static Gen<string> KnownObject =>
        from fields in Gen.Frequency((4, Gen.OneOf(FieldNames)), (1, Unicode(0, 12))).Array[0, 6]
        from values in Gen.Frequency((3, Json(2)), (2, PlausibleValue)).Array[fields.Length]
        select "{" + string.Join(",", fields.Zip(values, (name, value) => JsonSerializer.Serialize(name) + ":" + value)) + "}";

    private static Gen<string> PlausibleValue => Gen.OneOf(
        "\"fuzz@example.com\"", "\"correct horse battery staple\"", "\"tok_visa\"", "\"tok_declined\"", "1", "2", "99", "100", "0", "-1",
        "\"9990\"", "9990", "{\"guard\": {\"ceiling\": 1}}", "\"because\"", "1.0", "1e2", "true", "null", "[]", "{}");

    private static Gen<string> Json(int depth) => depth == 0
        ? Scalar
        : Gen.Frequency(
            (4, Scalar),
            (1, Json(depth - 1).Array[0, 5].Select(items => "[" + string.Join(",", items) + "]")),
            (1, Gen.Select(Unicode(0, 10).Array[0, 5], Json(depth - 1).Array[5], (keys, values) =>
                "{" + string.Join(",", keys.Select((key, i) => JsonSerializer.Serialize(key) + ":" + values[i])) + "}")));

    private static Gen<string> Scalar => Gen.Frequency(
        (1, Gen.Const<string>("null")), (1, Gen.Bool.Select(b => b ? "true" : "false")),
        (2, Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1e999")),
        (1, Gen.OneOf("1e400", "-1e400", "123456789012345678901234567890", "-0", "0.0000000000000000000001", "2147483648", "-2147483649", "1E+2")),
        (2, Unicode(0, 40).Select(s => JsonSerializer.Serialize(s))),
        (1, Gen.Int[1, 20_000].Select(n => "\"" + new string('x', n) + "\"")),
        (1, Gen.OneOf("\"\\ud800\"", "\"\\u0000\"", "\"\\udfff\\ud800\"", "\"\u202e\u0000\"", "\"💥🛒\"")));

    private static Gen<string?> Fixed(string? value) => Gen.Const(value);

    private static Gen<string> Unicode(int min, int max) => Gen.Frequency(
        (2, Gen.Char.Array[min, max].Select(chars => new string(chars))),
        (2, Gen.Char[' ', '~'].Array[min, max].Select(chars => new string(chars))),
        (1, Gen.Char["é€ß\u0301\u200b\u202e\ufeff𝔘\ud83d\ude00\u0000\t\n\"\\/<>&'"].Array[min, max].Select(chars => new string(chars))));

    private static Gen<string> Ascii(int min, int max) => Gen.Char['!', '~'].Array[min, max].Select(chars => new string(chars));

    private static string Escape(string value)
    {
        try
        {
            return Uri.EscapeDataString(value);
        }
        catch (UriFormatException)
        {
            return "%C0%AF";
        }
    }

    private static string DuplicateFirstField(string json)
    {
        var comma = json.IndexOf(',', StringComparison.Ordinal);
        return comma > 1 ? "{" + json[1..comma] + "," + json[1..] : json;
    }

    private static string Cut(string text) => text.Length > 400 ? text[..400] + "…" : text;

    private sealed record FuzzRoute(string Pattern, IReadOnlyList<RoutePatternPathSegment> Segments, string[] Methods);

    private sealed record FuzzRequest(string Method, string Path, string? Body, string? ContentType, string? Authorization,
        string? IdempotencyKey, string? Admission)
    {
        public HttpRequestMessage ToMessage(Uri server, string token)
        {
            // Absolute, so a path that starts with "//" stays a path rather than naming a host.
            var message = new HttpRequestMessage(new HttpMethod(Method), new Uri(server.GetLeftPart(UriPartial.Authority) + Path));
            if (Body is not null)
            {
                message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Body));
                if (ContentType is not null)
                {
                    message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
                }
            }

            Add(message.Headers, "Authorization", Authorization?.Replace(Token, token, StringComparison.Ordinal));
            Add(message.Headers, "Idempotency-Key", IdempotencyKey);
            Add(message.Headers, "Admission", Admission);
            return message;
        }

        private static void Add(HttpRequestHeaders headers, string name, string? value)
        {
            if (value is not null)
            {
                headers.TryAddWithoutValidation(name, value);
            }
        }

        public override string ToString() =>
            $"{Method} {Cut(Path)} auth={Cut(Authorization ?? "-")} key={IdempotencyKey ?? "-"} " +
            $"admission={Admission ?? "-"} type={ContentType ?? "-"} body={(Body is null ? "-" : Cut(Body))}";
    }
}
