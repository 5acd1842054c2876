using Bulwark.Lab.Orchestration;

namespace Bulwark.Lab.Tests.Orchestration;

/// <summary>The kernel really runs a child where the lab says: read back from /proc, not assumed.</summary>
public class CpuAffinityTests
{
    /// <summary>The last CPU this process may use: a strict subset whenever there are two or more.</summary>
    static CpuSet OneCpu => CpuSet.Of([CpuAffinity.Available().Cpus[^1]]);

    /// <summary>taskset sets the affinity and then execs the program: wait for the exec (bounded), not for a time.</summary>
    static async Task ExecutedAsync(int pid, string program)
    {
        for (var i = 0; i < 500 && File.ReadAllText($"/proc/{pid}/comm").Trim() != program; i++) await Task.Delay(10);
        Assert.Equal(program, File.ReadAllText($"/proc/{pid}/comm").Trim());
    }

    [Fact]
    public async Task A_child_started_on_a_cpu_set_runs_only_there()
    {
        var directory = Directory.CreateTempSubdirectory("lab-affinity-").FullName;
        try
        {
            await using var sleep = ChildProcess.Start("sleep", "sleep", ["5"], directory, Path.Combine(directory, "sleep.log"), cpus: OneCpu);
            await ExecutedAsync(sleep.Id, "sleep");

            Assert.Equal(OneCpu, CpuAffinity.AllowedFor(sleep.Id));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_running_process_is_moved_with_all_its_threads()
    {
        var directory = Directory.CreateTempSubdirectory("lab-affinity-").FullName;
        try
        {
            await using var sleep = ChildProcess.Start("sleep", "sleep", ["5"], directory, Path.Combine(directory, "sleep.log"));

            await CpuAffinity.PinTreeAsync(sleep.Id, OneCpu, CancellationToken.None);

            Assert.Equal(OneCpu, CpuAffinity.AllowedFor(sleep.Id));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Without_a_cpu_set_the_command_is_left_alone()
    {
        var (file, arguments) = CpuAffinity.Under(null, "pgbench", ["-c", "8"]);
        Assert.Equal("pgbench", file);
        Assert.Equal(["-c", "8"], arguments);

        (file, arguments) = CpuAffinity.Under(CpuSet.Parse("1"), "pgbench", ["-c", "8"]);
        Assert.Equal("taskset", file);
        Assert.Equal(["-c", "1", "pgbench", "-c", "8"], arguments);
    }
}
