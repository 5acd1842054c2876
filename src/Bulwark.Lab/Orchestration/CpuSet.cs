using System.Globalization;

namespace Bulwark.Lab.Orchestration;

/// <summary>A set of CPUs, read and written in taskset's list syntax ("0", "1-3", "0,2-3").</summary>
public sealed class CpuSet : IEquatable<CpuSet>
{
    CpuSet(IReadOnlyList<int> cpus) => Cpus = cpus;

    /// <summary>The CPU numbers, ascending, each once.</summary>
    public IReadOnlyList<int> Cpus { get; }

    public int Count => Cpus.Count;

    public static CpuSet Of(IEnumerable<int> cpus) => new([.. cpus.Distinct().Order()]);

    public static bool TryParse(string? text, out CpuSet set, out string? problem)
    {
        set = Of([]);
        problem = null;
        var cpus = new List<int>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries))
        {
            var range = part.Split('-', StringSplitOptions.TrimEntries);
            if (range.Length is < 1 or > 2 || !range.All(r => int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                problem = $"'{text}' is not a CPU list; write e.g. 0, 1, 0-1 or 0,2-3.";
                return false;
            }
            var first = int.Parse(range[0], CultureInfo.InvariantCulture);
            var last = int.Parse(range[^1], CultureInfo.InvariantCulture);
            if (last < first || last > 4095)
            {
                problem = $"'{part}' in '{text}' is not an ascending range of CPU numbers.";
                return false;
            }
            cpus.AddRange(Enumerable.Range(first, last - first + 1));
        }
        set = Of(cpus);
        return true;
    }

    public static CpuSet Parse(string text) =>
        TryParse(text, out var set, out var problem) ? set : throw new FormatException(problem);

    public bool Overlaps(CpuSet other) => Cpus.Intersect(other.Cpus).Any();

    public bool IsWithin(CpuSet other) => Cpus.All(other.Cpus.Contains);

    public CpuSet Without(CpuSet other) => Of(Cpus.Except(other.Cpus));

    /// <summary>The compact list form taskset and /proc print: runs of consecutive CPUs as ranges.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        for (var i = 0; i < Cpus.Count;)
        {
            var j = i;
            while (j + 1 < Cpus.Count && Cpus[j + 1] == Cpus[j] + 1) j++;
            parts.Add(i == j ? Cpus[i].ToString(CultureInfo.InvariantCulture) : $"{Cpus[i].ToString(CultureInfo.InvariantCulture)}-{Cpus[j].ToString(CultureInfo.InvariantCulture)}");
            i = j + 1;
        }
        return string.Join(',', parts);
    }

    public bool Equals(CpuSet? other) => other is not null && Cpus.SequenceEqual(other.Cpus);

    public override bool Equals(object? obj) => Equals(obj as CpuSet);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
