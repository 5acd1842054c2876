namespace Bulwark.Lab.Arrivals;

public static class ArrivalMerge
{
    /// <summary>
    /// Interleaves several schedules (one per traffic stream) into one time-ordered sequence, lazily:
    /// a long run never holds all its arrivals in memory.
    /// </summary>
    public static IEnumerable<ScheduledArrival> InTimeOrder(IReadOnlyList<ArrivalSchedule> schedules)
    {
        var enumerators = schedules.Select(s => s.Arrivals().GetEnumerator()).ToList();
        try
        {
            var next = new PriorityQueue<int, (TimeSpan At, int Stream)>();
            for (var i = 0; i < enumerators.Count; i++)
                if (enumerators[i].MoveNext()) next.Enqueue(i, (enumerators[i].Current.IntendedAt, i));

            while (next.TryDequeue(out var i, out _))
            {
                yield return enumerators[i].Current;
                if (enumerators[i].MoveNext()) next.Enqueue(i, (enumerators[i].Current.IntendedAt, i));
            }
        }
        finally
        {
            foreach (var e in enumerators) e.Dispose();
        }
    }
}
