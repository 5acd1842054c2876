namespace Bulwark.Lab.Orchestration;

/// <summary>Where the lab finds the projects it builds and starts: the repository holding <c>Bulwark.slnx</c>.</summary>
/// <param name="configuration">
/// Release for measurements (the default); a test may run the shop in the configuration it was
/// itself built in, so that <c>dotnet test</c>'s own build is the one started.
/// </param>
public sealed class RepoLayout(string root, string configuration = RepoLayout.Release)
{
    public const string Release = "Release";
    const string Framework = "net10.0";

    public string Root { get; } = root;

    public string Configuration { get; } = configuration;

    public string ShopProject => Path.Combine(Root, "src", "Bulwark.Shop");
    public string SandboxProject => Path.Combine(Root, "src", "Bulwark.PaymentSandbox");
    public string ShopDll => Path.Combine(ShopProject, "bin", Configuration, Framework, "Bulwark.Shop.dll");
    public string SandboxDll => Path.Combine(SandboxProject, "bin", Configuration, Framework, "Bulwark.PaymentSandbox.dll");

    /// <summary>The sources a built shop depends on: any newer file means the build is stale.</summary>
    public IEnumerable<string> ShopSourceDirectories =>
        new[] { "Bulwark.Shop", "Bulwark.Guard", "Bulwark.PaymentSandbox", "Bulwark.LocalPostgres" }.Select(p => Path.Combine(Root, "src", p));

    public static RepoLayout Find(string configuration = Release)
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Bulwark.slnx"))) return new RepoLayout(dir.FullName, configuration);
        }
        throw new InvalidOperationException(
            "Cannot find the Bulwark repository (Bulwark.slnx) above the current directory or the lab's binaries. " +
            "Run the lab from a clone, or pass --target to use a shop that is already running.");
    }
}
