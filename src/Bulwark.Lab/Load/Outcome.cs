namespace Bulwark.Lab.Load;

/// <summary>How one offered request ended, from the user's side.</summary>
public enum Outcome
{
    /// <summary>2xx.</summary>
    Success,

    /// <summary>409 at checkout: the item sold out. A correct business answer, not a failure.</summary>
    SoldOut,

    /// <summary>402: the payment was declined. A correct business answer, not a failure.</summary>
    Declined,

    /// <summary>503: the shop shed the request.</summary>
    Shed,

    /// <summary>429: the shop rate-limited the client.</summary>
    Limited,

    /// <summary>Any other status, or a transport failure (refused, reset).</summary>
    Error,

    /// <summary>No answer within the lab's per-request timeout.</summary>
    Timeout,

    /// <summary>Never sent: the generator's in-flight cap (or its pool of free virtual users) was exhausted.</summary>
    Dropped,
}
