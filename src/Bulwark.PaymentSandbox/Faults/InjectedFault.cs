namespace Bulwark.PaymentSandbox.Faults;

internal enum InjectedFault
{
    None,

    /// <summary>Answer 500 as a failing gateway would.</summary>
    Error,

    /// <summary>The gateway hung past its own limit without the client giving up: answer 504.</summary>
    Timeout,
}
