using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Bulwark.Shop.Commands;

/// <summary>
/// The post-deploy check incident 4 asked for: browse → sign-in → cart → checkout → order lookup against a
/// running shop, one line per step, non-zero exit at the first step that fails, saying what failed.
/// It buys one real unit with a throwaway account (<c>smoke-…@example.com</c>), so point it at a gateway
/// that accepts <c>--payment-token</c>.
/// </summary>
public sealed class SmokeCheck(HttpClient http, TextWriter output)
{
    public const string Usage = "usage: Bulwark.Shop smoke-check <base-url> [--payment-token tok_visa]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        if (args.Length < 2 || !Uri.TryCreate(args[1], UriKind.Absolute, out var target))
        {
            await output.WriteLineAsync(Usage);
            return 2;
        }

        var tokenIndex = Array.IndexOf(args, "--payment-token");
        var paymentToken = tokenIndex > 0 && tokenIndex + 1 < args.Length ? args[tokenIndex + 1] : "tok_visa";
        using var http = new HttpClient { BaseAddress = target, Timeout = TimeSpan.FromSeconds(15) };
        return await new SmokeCheck(http, output).RunAsync(paymentToken, cancellationToken) ? 0 : 1;
    }

    public async Task<bool> RunAsync(string paymentToken, CancellationToken cancellationToken)
    {
        long productId = 0;
        var email = $"smoke-{Guid.NewGuid():N}@example.com";
        var password = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
        long orderId = 0;

        return await StepAsync("ready", async () => await ExpectAsync(await http.GetAsync("/health/ready", cancellationToken), 200, cancellationToken))
            && await StepAsync("browse", async () =>
            {
                var categories = await ExpectAsync(await http.GetAsync("/api/categories", cancellationToken), 200, cancellationToken);
                var category = categories.EnumerateArray().FirstOrDefault();
                if (category.ValueKind != JsonValueKind.Object)
                {
                    throw new SmokeFailure("the catalog has no categories.");
                }

                var page = await ExpectAsync(await http.GetAsync($"/api/products?category={category.GetProperty("id").GetInt32()}&pageSize=100", cancellationToken), 200, cancellationToken);
                var product = page.GetProperty("items").EnumerateArray().FirstOrDefault(item => item.GetProperty("stock").GetInt32() > 0);
                productId = product.ValueKind == JsonValueKind.Object
                    ? product.GetProperty("id").GetInt64()
                    : throw new SmokeFailure("no product in the first category has stock.");
                await ExpectAsync(await http.GetAsync($"/api/products/{productId}", cancellationToken), 200, cancellationToken);
            })
            && await StepAsync("sign-in", async () =>
            {
                await ExpectAsync(await http.PostAsJsonAsync("/api/accounts", new { email, password }, cancellationToken), 201, cancellationToken);
                var session = await ExpectAsync(await http.PostAsJsonAsync("/api/sessions", new { email, password }, cancellationToken), 200, cancellationToken);
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session.GetProperty("accessToken").GetString());
            })
            && await StepAsync("cart", async () =>
            {
                var cart = await ExpectAsync(await http.PutAsJsonAsync($"/api/cart/items/{productId}", new { quantity = 1 }, cancellationToken), 200, cancellationToken);
                if (!cart.GetProperty("items").EnumerateArray().Any(line => line.GetProperty("productId").GetInt64() == productId))
                {
                    throw new SmokeFailure($"product {productId} is not in the cart after adding it.");
                }
            })
            && await StepAsync("checkout", async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkout") { Content = JsonContent.Create(new { paymentToken }) };
                request.Headers.Add("Idempotency-Key", $"smoke-{Guid.NewGuid():N}");
                var receipt = await ExpectAsync(await http.SendAsync(request, cancellationToken), 201, cancellationToken);
                orderId = receipt.GetProperty("orderId").GetInt64();
            })
            && await StepAsync("order lookup", async () =>
            {
                var order = await ExpectAsync(await http.GetAsync($"/api/orders/{orderId}", cancellationToken), 200, cancellationToken);
                var status = order.GetProperty("status").GetString();
                if (status != "paid")
                {
                    throw new SmokeFailure($"order {orderId} is '{status}', expected 'paid'.");
                }
            });
    }

    private async Task<bool> StepAsync(string name, Func<Task> step)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await step();
            await output.WriteLineAsync($"ok    {name} ({watch.ElapsedMilliseconds} ms)");
            return true;
        }
        catch (Exception exception) when (exception is SmokeFailure or HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            await output.WriteLineAsync($"FAIL  {name}: {exception.Message}");
            return false;
        }
    }

    private static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, int status, CancellationToken cancellationToken)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if ((int)response.StatusCode != status)
            {
                throw new SmokeFailure($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} answered {(int)response.StatusCode}, expected {status}: {Describe(body)}");
            }

            var json = response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true;
            return json && body.Length > 0 ? JsonDocument.Parse(body).RootElement.Clone() : default;
        }
    }

    private static string Describe(string body)
    {
        try
        {
            var problem = JsonDocument.Parse(body).RootElement;
            return problem.TryGetProperty("detail", out var detail) ? detail.GetString() ?? body
                : problem.TryGetProperty("title", out var title) ? title.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }

    private sealed class SmokeFailure(string message) : Exception(message);
}
