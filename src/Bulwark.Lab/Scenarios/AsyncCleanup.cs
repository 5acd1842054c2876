namespace Bulwark.Lab.Scenarios;

/// <summary>
/// Things a mode started, stopped in reverse order on the way out (shop before its database),
/// each one even if an earlier one fails to stop.
/// </summary>
sealed class AsyncCleanup : IAsyncDisposable
{
    readonly Stack<IAsyncDisposable> _started = new();

    public T Add<T>(T started) where T : IAsyncDisposable
    {
        _started.Push(started);
        return started;
    }

    public async ValueTask DisposeAsync()
    {
        List<Exception>? failures = null;
        while (_started.TryPop(out var started))
        {
            try
            {
                await started.DisposeAsync();
            }
            catch (Exception e)
            {
                (failures ??= []).Add(e);
            }
        }
        if (failures is not null) throw new AggregateException("Cleaning up after the run failed.", failures);
    }
}
