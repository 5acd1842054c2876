using System.Net;
using Bulwark.Lab.Orchestration;
using Bulwark.LocalPostgres;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bulwark.Lab.Cluster;

/// <summary>What <c>lab cluster up</c> was asked for.</summary>
public sealed record ClusterRequest(int Instances, string? AdminEmail = null, string? AdminPassword = null)
{
    public const int DefaultInstances = 3;

    /// <summary>
    /// The naive deploy of the same topology, for the lab's side-by-side runs: every instance as the single-shop
    /// naive mode runs (<c>Guard:Mode=off</c>: Npgsql's pool of 100 straight to the primary, no standby reads, no
    /// shared budget) behind nginx with its stock proxy timeouts (60 s, and <c>proxy_next_upstream error timeout</c>).
    /// The standby and PgBouncer still run, unused, so both modes bring up the same processes.
    /// </summary>
    public bool Naive { get; init; }

    /// <summary>Extra shop settings for every instance (tests tune catch-up intervals with it).</summary>
    public IReadOnlyDictionary<string, string> ShopSettings { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Issue 12's topology on loopback, from Debian packages: a PostgreSQL primary set up for streaming
/// replication, one hot standby made with <c>pg_basebackup -R</c>, PgBouncer in transaction mode in front of
/// the primary, the payment sandbox, N shop instances (pooled connections through PgBouncer, the migration
/// lock and LISTEN straight to the primary, catalog reads on the standby, one shared connection budget,
/// nginx trusted for <c>X-Forwarded-For</c>) and nginx in front of them. <see cref="UpAsync"/> returns once
/// nginx answers <c>/health/ready</c> through its upstream, and leaves everything running detached;
/// <see cref="DownAsync"/> stops whatever <c>cluster.json</c> lists.
/// </summary>
public sealed class ClusterLauncher(RepoLayout repo, ClusterFiles files, ILogger logger)
{
    /// <summary>The primary's max_connections.</summary>
    public const int MaxConnections = 100;
    static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);

    string DeployFile(string relative) => Path.Combine(repo.Root, "deploy", relative);

    public async Task<ClusterManifest> UpAsync(ClusterRequest request, CancellationToken ct)
    {
        if (await ClusterManifest.ReadAsync(files.Manifest, ct) is { } existing)
        {
            if (IsRunning(existing))
                throw new ClusterAlreadyUpException(
                    $"A cluster is already up (nginx at {existing.Nginx ?? "not yet started"}; {files.Manifest}). Run `lab cluster down` first.");
            logger.LogWarning("{Manifest} describes a cluster that is no longer running; clearing what is left of it", files.Manifest);
            await DownAsync(ct);
        }

        // Fail on a missing package before anything starts.
        var pgbouncer = ClusterTools.PgBouncer;
        var nginx = ClusterTools.Nginx;
        Directory.CreateDirectory(files.Logs);
        await DotnetHost.EnsureBuiltAsync(repo.ShopProject, repo.ShopDll, repo.Configuration, repo.ShopSourceDirectories, files.Logs, logger, ct);
        await DotnetHost.EnsureBuiltAsync(repo.SandboxProject, repo.SandboxDll, repo.Configuration, [repo.SandboxProject], files.Logs, logger, ct);

        var manifest = new ClusterManifest();
        try
        {
            var primary = await LocalPostgresCluster.StartAsync(new LocalPostgresOptions
            {
                Directory = files.Primary,
                MaxConnections = MaxConnections,
                // PostgreSQL 15's defaults already allow this; said explicitly because the standby depends on it.
                ServerSettings = new Dictionary<string, string> { ["wal_level"] = "replica", ["max_wal_senders"] = "5", ["hot_standby"] = "on" },
            }, logger, ct);
            manifest = manifest with { Primary = primary.ConnectionString, PrimaryDirectory = files.Primary };
            await manifest.WriteAsync(files.Manifest, ct);
            await RequireReplicationEntryAsync(primary.ConnectionString, ct);

            var standby = await primary.StartStandbyAsync(files.Standby, ct);
            manifest = manifest with { Standbys = [standby.ConnectionString], StandbyDirectories = [files.Standby] };
            await manifest.WriteAsync(files.Manifest, ct);
            logger.LogInformation("Primary on port {Primary}, streaming standby on port {Standby}", primary.Port, standby.Port);

            var template = await File.ReadAllTextAsync(DeployFile("pgbouncer/pgbouncer.ini"), ct);
            var (bouncerPid, bouncerConnection) = await StartPgBouncerAsync(pgbouncer, template, primary, ct);
            manifest = manifest with { PgBouncer = bouncerConnection, PgBouncerPid = bouncerPid, Budget = PgBouncerConfig.PoolSize(template) };
            await manifest.WriteAsync(files.Manifest, ct);

            var sandbox = await StartSandboxAsync(ct);
            manifest = manifest with { Sandbox = sandbox };
            await manifest.WriteAsync(files.Manifest, ct);

            var instances = await StartShopsAsync(request, manifest, ct);
            manifest = manifest with { Instances = instances };
            await manifest.WriteAsync(files.Manifest, ct);

            var (nginxPid, nginxUrl) = await StartNginxAsync(nginx, instances, request.Naive, ct);
            manifest = manifest with { Nginx = nginxUrl, NginxPid = nginxPid };
            await manifest.WriteAsync(files.Manifest, ct);
            return manifest;
        }
        catch
        {
            logger.LogWarning("The cluster did not come up; stopping what was started");
            await DownAsync(CancellationToken.None);
            throw;
        }
    }

    /// <summary>
    /// Stops everything <c>cluster.json</c> lists (nginx first, so no request reaches a stopping shop; PostgreSQL
    /// last), removes the databases (the next <c>up</c> starts fresh) and checks nothing is left. Answers false
    /// when there was nothing to stop.
    /// </summary>
    public async Task<bool> DownAsync(CancellationToken ct)
    {
        var manifest = await ClusterManifest.ReadAsync(files.Manifest, ct);
        if (manifest is null) return false;

        if ((manifest.NginxPid ?? ReadPid(files.NginxPid)) is { } nginx) await DetachedProcess.StopAsync(nginx, ct);
        await Task.WhenAll(manifest.Instances.Select(i => DetachedProcess.StopAsync(i.Pid, ct)));
        if (manifest.Sandbox is { } sandbox) await DetachedProcess.StopAsync(sandbox.Pid, ct);
        if ((manifest.PgBouncerPid ?? ReadPid(files.PgBouncerPid)) is { } bouncer) await DetachedProcess.StopAsync(bouncer, ct);
        foreach (var directory in manifest.StandbyDirectories.Append(manifest.PrimaryDirectory ?? files.Primary))
            await LocalPostgresCluster.StopRunningAsync(directory, logger, ct);

        // Every process of the cluster names its directory on its command line (the shops and the sandbox through
        // --Lab:Cluster, PgBouncer and nginx their config, PostgreSQL its data directory): pgrep finds any left.
        var (_, found) = await ClusterTools.RunAsync("pgrep", ["-f", "--", files.Root], ct);
        var left = manifest.Pids.Where(DetachedProcess.IsAlive)
            .Concat(found.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Where(p => p != Environment.ProcessId && DetachedProcess.IsAlive(p)))
            .Distinct().ToList();
        if (left.Count > 0) throw new InvalidOperationException($"Processes still running after `down` (pgrep -f {files.Root}): {string.Join(", ", left)}");
        foreach (var directory in new[] { files.Primary, files.Standby, files.PgBouncer, files.Nginx })
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        File.Delete(files.Manifest);
        return true;
    }

    static bool IsRunning(ClusterManifest manifest) =>
        manifest.Pids.Any(DetachedProcess.IsAlive)
        || manifest.StandbyDirectories.Append(manifest.PrimaryDirectory).OfType<string>()
            .Any(d => ReadPid(Path.Combine(d, "data", "postmaster.pid")) is { } pid && DetachedProcess.IsAlive(pid));

    /// <summary>The first line of a pid file (postmaster.pid's too), when there is one.</summary>
    static int? ReadPid(string path) =>
        File.Exists(path) && int.TryParse(File.ReadLines(path).FirstOrDefault()?.Trim(), out var pid) ? pid : null;

    /// <summary>initdb writes <c>host replication all 127.0.0.1/32</c>; a cluster without it cannot feed a standby.</summary>
    static async Task RequireReplicationEntryAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var rules = new NpgsqlCommand(
            "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND (address IS NULL OR address = '127.0.0.1')", connection);
        if ((long)(await rules.ExecuteScalarAsync(ct))! == 0)
            throw new ClusterStartException("The primary's pg_hba.conf has no replication entry for 127.0.0.1; the standby could not connect.");
    }

    async Task<(int Pid, string ConnectionString)> StartPgBouncerAsync(string pgbouncer, string template, LocalPostgresCluster primary, CancellationToken ct)
    {
        var direct = new NpgsqlConnectionStringBuilder(primary.ConnectionString);
        var port = LoopbackPort.Free();
        Directory.CreateDirectory(files.PgBouncer);
        await File.WriteAllTextAsync(files.PgBouncerConfig, PgBouncerConfig.Render(template, port, primary.Port, files), ct);
        await File.WriteAllTextAsync(files.PgBouncerUsers, PgBouncerConfig.UserList(direct.Username!, direct.Password!), ct);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(files.PgBouncerUsers, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await ClusterTools.HandOverAsync(files.PgBouncer, ct);

        // -d: PgBouncer checks its config, then daemonizes and writes its pid file. It refuses root; -u drops to the service user.
        List<string> arguments = ClusterTools.IsRoot ? ["-d", "-u", ClusterTools.ServiceUser, files.PgBouncerConfig] : ["-d", files.PgBouncerConfig];
        var (code, output) = await ClusterTools.RunAsync(pgbouncer, arguments, ct);
        if (code != 0)
            throw new ClusterStartException($"PgBouncer refused to start (exit {code}): {output}{Environment.NewLine}{Tail(Path.Combine(files.PgBouncer, "pgbouncer.log"))}");

        var pooled = new NpgsqlConnectionStringBuilder(primary.ConnectionString) { Port = port, Pooling = false, Timeout = 3 };
        await WaitAsync("PgBouncer", async token =>
        {
            await using var connection = new NpgsqlConnection(pooled.ConnectionString);
            await connection.OpenAsync(token);
            await using var probe = new NpgsqlCommand("SELECT 1", connection);
            await probe.ExecuteScalarAsync(token);
            return true;
        }, Path.Combine(files.PgBouncer, "pgbouncer.log"), ct);
        var pid = ReadPid(files.PgBouncerPid) ?? throw new ClusterStartException($"PgBouncer wrote no pid file ({files.PgBouncerPid}).");
        logger.LogInformation("PgBouncer (transaction pooling, {Config}) on port {Port}", files.PgBouncerConfig, port);
        return (pid, new NpgsqlConnectionStringBuilder(primary.ConnectionString) { Port = port }.ConnectionString);
    }

    async Task<ClusterProcess> StartSandboxAsync(CancellationToken ct)
    {
        var url = $"http://127.0.0.1:{LoopbackPort.Free()}";
        var log = Path.Combine(files.Logs, "sandbox.log");
        var pid = await DetachedProcess.StartAsync(DotnetHost.Executable, [repo.SandboxDll, "--urls", url, $"--Lab:Cluster={files.Root}"],
            Path.GetDirectoryName(repo.SandboxDll)!, log, new Dictionary<string, string> { ["DOTNET_NOLOGO"] = "1" }, ct);
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(2) };
        await WaitAsync("the payment sandbox", async token => DetachedProcess.IsAlive(pid)
            ? (await http.GetAsync("/v1/faults", token)).IsSuccessStatusCode
            : throw new ClusterStartException($"The payment sandbox exited; see {log}:{Environment.NewLine}{Tail(log)}"), log, ct);
        return new ClusterProcess(url, pid);
    }

    /// <summary>All at once, as a deploy would: their migrations meet at the advisory lock on the primary.</summary>
    async Task<IReadOnlyList<ClusterProcess>> StartShopsAsync(ClusterRequest request, ClusterManifest manifest, CancellationToken ct)
    {
        var started = new List<ClusterProcess>();
        for (var i = 0; i < request.Instances; i++) started.Add(await LaunchShopAsync(request, manifest, i + 1, ct));

        // Recorded before they are ready, so a failure below still stops them.
        await (manifest with { Instances = started }).WriteAsync(files.Manifest, ct);
        await Task.WhenAll(started.Select((shop, i) => WaitReadyAsync($"shop {i + 1}", new Uri(shop.Url), shop.Pid, ShopLog(i + 1), ct)));
        return started;
    }

    /// <summary>
    /// One more instance on the running cluster (scale-up), recorded in <c>cluster.json</c> so <c>down</c> stops it;
    /// not added to nginx's upstream. Answers once it is ready.
    /// </summary>
    public async Task<ClusterProcess> AddInstanceAsync(ClusterRequest request, CancellationToken ct)
    {
        var manifest = await ClusterManifest.ReadAsync(files.Manifest, ct) ?? throw new InvalidOperationException("No cluster is up.");
        var number = manifest.Instances.Count + 1;
        var shop = await LaunchShopAsync(request, manifest, number, ct);
        await (manifest with { Instances = [.. manifest.Instances, shop] }).WriteAsync(files.Manifest, ct);
        await WaitReadyAsync($"shop {number}", new Uri(shop.Url), shop.Pid, ShopLog(number), ct);
        return shop;
    }

    /// <summary>Stops one instance (SIGTERM: it leaves the shared budget on its way out) and forgets it (scale-down).</summary>
    public async Task RemoveInstanceAsync(ClusterProcess instance, CancellationToken ct)
    {
        await DetachedProcess.StopAsync(instance.Pid, ct);
        var manifest = await ClusterManifest.ReadAsync(files.Manifest, ct) ?? throw new InvalidOperationException("No cluster is up.");
        await (manifest with { Instances = [.. manifest.Instances.Where(i => i.Pid != instance.Pid)] }).WriteAsync(files.Manifest, ct);
    }

    string ShopLog(int number) => Path.Combine(files.Logs, $"shop-{number}.log");

    /// <summary>The cluster's waiting-room signing key: made once per cluster (kept in its directory, not in cluster.json), shared by every instance.</summary>
    async Task<string> WaitingRoomKeyAsync(CancellationToken ct)
    {
        var path = Path.Combine(files.Root, "waiting-room.key");
        if (!File.Exists(path))
            await File.WriteAllTextAsync(path, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)), ct);
        return (await File.ReadAllTextAsync(path, ct)).Trim();
    }

    async Task<ClusterProcess> LaunchShopAsync(ClusterRequest request, ClusterManifest manifest, int number, CancellationToken ct)
    {
        var url = $"http://127.0.0.1:{LoopbackPort.Free()}";
        List<string> arguments =
        [
            repo.ShopDll,
            "--urls", url,
            // A poll or a checkout may reach any instance: all check tickets and admissions with one key.
            $"--WaitingRoom:SigningKey={await WaitingRoomKeyAsync(ct)}",
            "--Proxy:TrustedProxies:0=127.0.0.1",
            $"--Payments:BaseUrl={manifest.Sandbox!.Url}",
            "--Logging:LogLevel:Default=Warning",
            $"--Lab:Cluster={files.Root}",
        ];
        arguments.AddRange(request.Naive
            ? [$"--ConnectionStrings:Shop={manifest.Primary}", "--Guard:Mode=off"]
            :
            [
                $"--ConnectionStrings:Shop={manifest.PgBouncer}",
                $"--ConnectionStrings:ShopDirect={manifest.Primary}",
                $"--ConnectionStrings:ShopReadOnly={manifest.Standbys[0]}",
                "--Guard:ShareBudget=true",
                $"--Guard:ConnectionBudget={manifest.Budget}",
            ]);
        if (request is { AdminEmail: { } email, AdminPassword: { } password })
            arguments.AddRange([$"--Admin:Email={email}", $"--Admin:Password={password}"]);
        arguments.AddRange(request.ShopSettings.Select(s => $"--{s.Key}={s.Value}"));
        var pid = await DetachedProcess.StartAsync(DotnetHost.Executable, arguments, Path.GetDirectoryName(repo.ShopDll)!, ShopLog(number),
            ShopEnvironment.Variables, ct);
        logger.LogInformation("Shop {Number} starting on {Url} (pid {Pid}); log {Log}", number, url, pid, ShopLog(number));
        return new ClusterProcess(url, pid);
    }

    async Task<(int Pid, string Url)> StartNginxAsync(string nginx, IReadOnlyList<ClusterProcess> instances, bool stockTimeouts, CancellationToken ct)
    {
        var port = LoopbackPort.Free();
        Directory.CreateDirectory(files.NginxTemp);
        foreach (var temp in new[] { "body", "proxy", "fastcgi", "uwsgi", "scgi" })
        {
            var directory = Path.Combine(files.NginxTemp, temp);
            Directory.CreateDirectory(directory);
            // As root the workers run as nobody and write buffered bodies here.
            if (ClusterTools.IsRoot && !OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, (UnixFileMode)0b111_111_111);
        }

        var site = await File.ReadAllTextAsync(DeployFile("nginx/bulwark.conf"), ct);
        if (stockTimeouts) site = NginxConfig.WithStockTimeouts(site);
        await File.WriteAllTextAsync(files.NginxSite, NginxConfig.RenderSite(site, port, instances.Select(i => new Uri(i.Url))), ct);
        await File.WriteAllTextAsync(files.NginxConfig, NginxConfig.RenderMain(files, ClusterTools.IsRoot ? "nobody nogroup" : null), ct);
        var errorLog = Path.Combine(files.Logs, "nginx-error.log");
        string[] common = ["-c", files.NginxConfig, "-p", files.Nginx, "-e", errorLog];
        var (checkCode, checkOutput) = await ClusterTools.RunAsync(nginx, ["-t", .. common], ct);
        if (checkCode != 0) throw new ClusterStartException($"nginx -t refused {files.NginxConfig}: {checkOutput}");

        // Without `daemon off` the master forks into the background and writes the pid file; `down` signals that pid.
        var (code, output) = await ClusterTools.RunAsync(nginx, common, ct);
        if (code != 0) throw new ClusterStartException($"nginx did not start (exit {code}): {output}{Environment.NewLine}{Tail(errorLog)}");
        var url = $"http://127.0.0.1:{port}";
        await WaitAsync("nginx's pid file", _ => Task.FromResult(ReadPid(files.NginxPid) is not null), errorLog, ct);
        var pid = ReadPid(files.NginxPid)!.Value;
        await WaitReadyAsync("nginx", new Uri(url), pid, errorLog, ct);
        logger.LogInformation("nginx on {Url} in front of {Count} instance(s)", url, instances.Count);
        return (pid, url);
    }

    async Task WaitReadyAsync(string what, Uri address, int pid, string log, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        await WaitAsync(what, async token =>
        {
            if (!DetachedProcess.IsAlive(pid)) throw new ClusterStartException($"{what} exited before it was ready; see {log}:{Environment.NewLine}{Tail(log)}");
            using var response = await http.GetAsync("/health/ready", token);
            return response.StatusCode == HttpStatusCode.OK;
        }, log, ct);
    }

    /// <summary>Polls <paramref name="ready"/> until it answers true; connection failures mean "not yet".</summary>
    static async Task WaitAsync(string what, Func<CancellationToken, Task<bool>> ready, string log, CancellationToken ct)
    {
        var giveUpAt = DateTime.UtcNow + ReadyTimeout;
        var last = "no answer yet";
        while (DateTime.UtcNow < giveUpAt)
        {
            try
            {
                if (await ready(ct)) return;
                last = "not ready";
            }
            catch (Exception e) when (e is HttpRequestException or NpgsqlException or TimeoutException or IOException
                                        || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                last = e.Message;
            }
            await Task.Delay(250, ct);
        }
        throw new ClusterStartException($"{what} was not ready within {ReadyTimeout.TotalSeconds:0} s (last: {last}); see {log}:{Environment.NewLine}{Tail(log)}");
    }

    static string Tail(string log)
    {
        try
        {
            return File.Exists(log) ? string.Join(Environment.NewLine, File.ReadLines(log).TakeLast(20)) : "";
        }
        catch (IOException)
        {
            return "";
        }
    }
}

/// <summary><c>up</c> while a cluster is up: refused, nothing touched.</summary>
public sealed class ClusterAlreadyUpException(string message) : Exception(message);
