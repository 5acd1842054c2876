namespace Bulwark.Guard.Gate;

/// <summary>Which waiter of one priority is admitted next when a slot frees.</summary>
public enum QueueOrder
{
    /// <summary>Oldest first: every admitted waiter waits about the queue delay.</summary>
    Fifo,

    /// <summary>Newest first (Facebook, Netflix): most waiters go straight in, the oldest wait until their deadline.</summary>
    Lifo,
}
