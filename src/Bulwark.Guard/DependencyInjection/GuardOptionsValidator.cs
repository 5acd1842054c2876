using Microsoft.Extensions.Options;

namespace Bulwark.Guard.DependencyInjection;

/// <summary>Refuses to start with options the guard cannot honour, naming every problem.</summary>
public sealed class GuardOptionsValidator : IValidateOptions<GuardOptions>
{
    public ValidateOptionsResult Validate(string? name, GuardOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Select(e => "Guard: " + e));
    }
}
