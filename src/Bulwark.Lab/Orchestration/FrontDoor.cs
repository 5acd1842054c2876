namespace Bulwark.Lab.Orchestration;

/// <summary>
/// Where the lab's clients reach the shop, as a load balancer in front of it would decide: a rolling
/// restart moves it from the old instance to the new one once that is ready. New connections go to the new
/// instance; those already open to the old one carry on until it stops and closes them.
/// </summary>
public sealed class FrontDoor(Uri address)
{
    private volatile Uri _current = address;

    public Uri Current => _current;

    public void MoveTo(Uri address) => _current = address;
}
