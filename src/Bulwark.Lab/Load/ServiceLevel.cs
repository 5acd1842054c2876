namespace Bulwark.Lab.Load;

/// <summary>
/// What "good" means for a run: a 2xx within the class's SLO counts as goodput; any answer slower
/// than <see cref="Deadline"/> is one a user (or a proxy) would already have given up on.
/// </summary>
public sealed record ServiceLevel(TimeSpan DefaultSlo, TimeSpan Deadline, IReadOnlyDictionary<RequestClass, TimeSpan>? SloByClass = null)
{
    public static ServiceLevel Default { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2));

    public TimeSpan SloFor(RequestClass c) => SloByClass is not null && SloByClass.TryGetValue(c, out var slo) ? slo : DefaultSlo;
}
