using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Bulwark.Lab.Cluster;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Bulwark.Lab.Tests.Cluster;

/// <summary>
/// One <c>lab cluster up</c> (three instances) for every cluster test, in a temp directory, taken down at the end:
/// the topology costs ~30 s to bring up, so the tests share it and each undoes what it changes. PgBouncer and
/// nginx must be installed: without them the fixture fails with the package to install, it never skips.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string AdminEmail = "cluster-admin@bulwark.test";
    public const string AdminPassword = "a long cluster admin passphrase";

    /// <summary>Per-client limits low enough to reach from one test, high enough for the others' few requests.</summary>
    public static readonly ClusterRequest Request = new(3, AdminEmail, AdminPassword)
    {
        ShopSettings = new Dictionary<string, string>
        {
            ["Guard:RateLimit:PermitsPerSecond"] = "30",
            ["Guard:RateLimit:Burst"] = "30",
            ["Catalog:CacheTtl"] = "00:00:00",
            // Failed sign-ins are counted per instance (README): 5 each, 15 through nginx's three.
            ["Guard:LoginThrottle:PerAddressBurst"] = "5",
            ["Guard:LoginThrottle:PerAddressPerMinute"] = "5",
        },
    };

    public ClusterFiles Files { get; } = new(Path.Combine(Path.GetTempPath(), "bulwark-cluster-test-" + Guid.NewGuid().ToString("N")[..8]));

    public ClusterLauncher Launcher { get; private set; } = null!;

    public ClusterManifest Manifest { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // As root the servers run as postgres, which must reach the directory.
        Directory.CreateDirectory(Files.Root);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Files.Root, (UnixFileMode)0b111_101_101);
        Launcher = new ClusterLauncher(TestBuild.Repo(), Files, NullLogger.Instance);
        Manifest = await Launcher.UpAsync(Request, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Launcher.DownAsync(CancellationToken.None);
        try
        {
            Directory.Delete(Files.Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>An HTTP client whose connections leave from <paramref name="source"/> (any 127.x address is loopback on Linux): a distinct client to nginx.</summary>
    public static HttpClient ClientFrom(string baseUrl, string source = "127.0.0.1") => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(15) };

    public async Task<HttpClient> AdminAsync(string baseUrl)
    {
        var client = ClientFrom(baseUrl);
        using var session = await client.PostAsJsonAsync("/api/sessions", new { email = AdminEmail, password = AdminPassword });
        var token = (await session.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    public static async Task<T> QueryAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Starts the standby again on its own port after a test stopped it (pg_ctl, as the server's user).</summary>
    public async Task RestartStandbyAsync()
    {
        var data = Path.Combine(Manifest.StandbyDirectories[0], "data");
        var pgCtl = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "pg_ctl")).First(File.Exists);
        var log = Path.Combine(Manifest.StandbyDirectories[0], "server.log");
        var info = Environment.UserName == "root"
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", pgCtl, "start", "-D", data, "-w", "-l", log])
            : new ProcessStartInfo(pgCtl, ["start", "-D", data, "-w", "-l", log]);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
