using System.Net;
using System.Text.Json;

namespace Bulwark.PaymentSandbox.Tests.Infrastructure;

internal static class ProblemAssert
{
    /// <summary>Asserts an RFC 9457 problem details answer with this status, and returns its body.</summary>
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await RunningSandbox.ReadJsonAsync(response);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>Asserts a 400 validation problem that names <paramref name="field"/> among its errors.</summary>
    public static async Task<JsonElement> IsValidationProblemNamingAsync(HttpResponseMessage response, string field)
    {
        var problem = await IsProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"errors should name '{field}' but were {errors}");
        Assert.NotEmpty(messages.EnumerateArray());
        return problem;
    }
}
