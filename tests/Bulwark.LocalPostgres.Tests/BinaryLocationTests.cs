namespace Bulwark.LocalPostgres.Tests;

public sealed class BinaryLocationTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Missing_binaries_are_reported_in_one_line_that_says_what_to_install()
    {
        var empty = Directory.CreateDirectory(temp.Combine("empty-bin")).FullName;
        var options = new LocalPostgresOptions { Directory = temp.Combine("postgres"), BinarySearchDirectories = [empty] };

        var missing = await Assert.ThrowsAsync<PostgresNotInstalledException>(() => LocalPostgresCluster.StartAsync(options));

        Assert.DoesNotContain('\n', missing.Message);
        Assert.Contains("initdb", missing.Message, StringComparison.Ordinal);
        Assert.Contains("pg_ctl", missing.Message, StringComparison.Ordinal);
        Assert.Contains(empty, missing.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install postgresql", missing.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__Shop", missing.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(options.Directory));
    }

    [Fact]
    public async Task Binaries_older_than_PostgreSQL_14_are_refused_with_the_version_found()
    {
        var old = Directory.CreateDirectory(temp.Combine("pg12-bin")).FullName;
        foreach (var program in new[] { "initdb", "pg_ctl", "postgres" })
        {
            var path = Path.Combine(old, program);
            await File.WriteAllTextAsync(path, $"#!/bin/sh\necho '{program} (PostgreSQL) 12.22'\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var options = new LocalPostgresOptions { BinarySearchDirectories = [old] };

        var missing = await Assert.ThrowsAsync<PostgresNotInstalledException>(() => LocalPostgresCluster.StartEphemeralAsync(options));

        Assert.DoesNotContain('\n', missing.Message);
        Assert.Contains($"PostgreSQL 12 in {old} is older than 14", missing.Message, StringComparison.Ordinal);
    }
}
