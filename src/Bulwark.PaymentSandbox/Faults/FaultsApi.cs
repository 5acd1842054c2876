using Bulwark.PaymentSandbox.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.PaymentSandbox.Faults;

internal static class FaultsApi
{
    public static IServiceCollection AddFaults(this IServiceCollection services) =>
        services.AddSingleton<FaultDice>().AddSingleton<FaultInjector>();

    public static IEndpointRouteBuilder MapFaultsApi(this IEndpointRouteBuilder app)
    {
        var faults = app.MapGroup("/v1/faults");
        faults.MapGet("/", (FaultInjector injector) => TypedResults.Ok(injector.Current));
        faults.MapPost("/", SetAsync);
        faults.MapDelete("/", Reset);
        return app;
    }

    private static async Task<Results<Ok<FaultProfile>, ValidationProblem, ProblemHttpResult>> SetAsync(
        HttpRequest request, FaultInjector injector, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<FaultProfileRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (!body!.TryValidate(out var profile, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }

        injector.Set(profile);
        return TypedResults.Ok(profile);
    }

    private static Ok<FaultProfile> Reset(FaultInjector injector)
    {
        injector.Set(FaultProfile.None);
        return TypedResults.Ok(FaultProfile.None);
    }
}
