using Bulwark.Lab.Orchestration;

namespace Bulwark.Lab.Tests;

/// <summary>The repository as the end-to-end tests start it: with the shop and sandbox builds <c>dotnet test</c> just made.</summary>
static class TestBuild
{
    /// <summary>The configuration this test assembly was built in (…/bin/&lt;configuration&gt;/net10.0/): the shop was built in the same one.</summary>
    static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static RepoLayout Repo() => RepoLayout.Find(Configuration);
}

/// <summary>
/// Tests that start a PostgreSQL and a shop of their own run one at a time: two shops on a 2-core machine
/// would shed each other's load, and the smoke test fails on a single 503.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EndToEnd
{
    public const string Name = "end-to-end";
}
