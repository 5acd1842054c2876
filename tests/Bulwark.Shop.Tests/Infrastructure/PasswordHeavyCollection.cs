namespace Bulwark.Shop.Tests.Infrastructure;

/// <summary>
/// Tests that hash hundreds of passwords on purpose (the sign-in throttle's crowds): run alone, after the
/// parallel collections, so they neither starve nor are starved by other tests' sign-ups on a small machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PasswordHeavyCollection
{
    public const string Name = "password-heavy";
}
