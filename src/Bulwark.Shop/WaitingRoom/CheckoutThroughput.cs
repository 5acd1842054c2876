namespace Bulwark.Shop.WaitingRoom;

/// <summary>
/// Checkouts this instance carried through (paid, declined, or sent to the gateway with the outcome unknown): what
/// checkout was actually served, for the waiting room's outflow. Counted here rather than read from the gate's
/// critical completions, which also count cart updates and joins: before a sale opens its arrivals read as checkout
/// capacity, and the line let 223 buyers out in the opening's first second to a core that completes about 114.
/// Checkouts refused because they could not be served in time (the gate's deadline or queue, or no time left for the
/// gateway) are counted apart: the room's sign that it let out more than checkout can serve.
/// </summary>
public sealed class CheckoutThroughput
{
    private long _completed;
    private long _refused;

    public long Completed => Interlocked.Read(ref _completed);

    public long Refused => Interlocked.Read(ref _refused);

    public void Record() => Interlocked.Increment(ref _completed);

    public void RecordRefused() => Interlocked.Increment(ref _refused);
}
