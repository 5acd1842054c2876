using Microsoft.AspNetCore.Http.HttpResults;

namespace Bulwark.PaymentSandbox.Faults;

/// <summary>How the gateway answers a request an injected fault struck: the same for charges and refunds.</summary>
internal static class FaultAnswers
{
    /// <summary>
    /// The answer for <paramref name="fault"/>, or null when none struck and the request goes on.
    /// <paramref name="nothingDone"/> says what did not happen, e.g. "nothing was charged".
    /// </summary>
    public static ProblemHttpResult? For(InjectedFault fault, string nothingDone) => fault switch
    {
        InjectedFault.Error => GatewayError($"injected fault: the gateway failed and {nothingDone}."),
        InjectedFault.Timeout => TypedResults.Problem(
            statusCode: StatusCodes.Status504GatewayTimeout,
            title: "gateway timeout",
            detail: $"injected fault: the gateway hung and {nothingDone}."),
        _ => null,
    };

    public static ProblemHttpResult GatewayError(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "gateway error", detail: detail);
}
