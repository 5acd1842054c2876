using System.Net;
using System.Text;
using Bulwark.PaymentSandbox.Tests.Infrastructure;

namespace Bulwark.PaymentSandbox.Tests;

public sealed class ChargeValidationTests : IAsyncLifetime
{
    private RunningSandbox _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await RunningSandbox.StartAsync();

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Theory]
    [InlineData("""{"amountCents":0,"currency":"USD","token":"tok_visa","idempotencyKey":"k"}""", "amountCents")]
    [InlineData("""{"amountCents":-5,"currency":"USD","token":"tok_visa","idempotencyKey":"k"}""", "amountCents")]
    [InlineData("""{"currency":"USD","token":"tok_visa","idempotencyKey":"k"}""", "amountCents")]
    [InlineData("""{"amountCents":"lots","currency":"USD","token":"tok_visa","idempotencyKey":"k"}""", "amountCents")]
    [InlineData("""{"amountCents":100,"currency":"US","token":"tok_visa","idempotencyKey":"k"}""", "currency")]
    [InlineData("""{"amountCents":100,"currency":"U5D","token":"tok_visa","idempotencyKey":"k"}""", "currency")]
    [InlineData("""{"amountCents":100,"currency":"USDX","token":"tok_visa","idempotencyKey":"k"}""", "currency")]
    [InlineData("""{"amountCents":100,"token":"tok_visa","idempotencyKey":"k"}""", "currency")]
    [InlineData("""{"amountCents":100,"currency":"USD","idempotencyKey":"k"}""", "token")]
    [InlineData("""{"amountCents":100,"currency":"USD","token":"  ","idempotencyKey":"k"}""", "token")]
    [InlineData("""{"amountCents":100,"currency":"USD","token":"tok_visa"}""", "idempotencyKey")]
    [InlineData("""{"amountCents":100,"currency":"USD","token":"tok_visa","idempotencyKey":""}""", "idempotencyKey")]
    public async Task Invalid_charge_is_a_400_problem_naming_the_field_and_charges_nothing(string json, string field)
    {
        using var response = await PostRawAsync(json);

        await ProblemAssert.IsValidationProblemNamingAsync(response, field);
        Assert.Equal(0, (await _sandbox.GetJsonAsync("/v1/charges")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Idempotency_key_may_be_200_characters_but_not_201()
    {
        using var longest = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody(key: new string('k', 200)));
        using var tooLong = await _sandbox.ChargeAsync(RunningSandbox.ChargeBody(key: new string('k', 201)));

        Assert.Equal(HttpStatusCode.OK, longest.StatusCode);
        await ProblemAssert.IsValidationProblemNamingAsync(tooLong, "idempotencyKey");
    }

    [Fact]
    public async Task Every_invalid_field_is_reported_at_once()
    {
        using var response = await PostRawAsync("""{"amountCents":0,"currency":"dollars"}""");

        var problem = await ProblemAssert.IsValidationProblemNamingAsync(response, "amountCents");
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("currency", out _));
        Assert.True(errors.TryGetProperty("token", out _));
        Assert.True(errors.TryGetProperty("idempotencyKey", out _));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("""{"amountCents":""")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[1,2]")]
    public async Task Malformed_json_is_a_400_problem_never_a_500(string json)
    {
        using var response = await PostRawAsync(json);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Body_over_16_KiB_is_refused_with_413_problem()
    {
        var padding = new string(' ', 17 * 1024);
        using var response = await PostRawAsync($$"""{"amountCents":100,{{padding}}"currency":"USD","token":"tok_visa","idempotencyKey":"k"}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Non_json_body_is_refused_with_415_problem()
    {
        using var content = new StringContent("amountCents=100", Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await _sandbox.Client.PostAsync("/v1/charges", content);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    private async Task<HttpResponseMessage> PostRawAsync(string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await _sandbox.Client.PostAsync("/v1/charges", content);
    }
}
