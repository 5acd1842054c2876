namespace Bulwark.Lab.Chaos;

/// <summary>The four faults of issue 10's report, in the order <c>lab chaos</c> runs them.</summary>
public enum ChaosFault
{
    ShopCrash,
    DatabaseCrash,
    DatabaseHang,
    GatewayOutage,
}

public static class ChaosFaults
{
    public static IReadOnlyList<ChaosFault> All { get; } = Enum.GetValues<ChaosFault>();

    /// <summary>The name on the command line, in folders and in JSON.</summary>
    public static string Key(this ChaosFault fault) => fault switch
    {
        ChaosFault.ShopCrash => "shop-crash",
        ChaosFault.DatabaseCrash => "db-crash",
        ChaosFault.DatabaseHang => "db-hang",
        ChaosFault.GatewayOutage => "gateway-outage",
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, null),
    };

    public static ChaosFault Parse(string key) => All.Single(f => f.Key() == key);

    /// <summary>How long the fault lasts unless <c>--fault-length</c> says otherwise (the shop is started again at once).</summary>
    public static TimeSpan DefaultLength(this ChaosFault fault) => fault switch
    {
        ChaosFault.ShopCrash => TimeSpan.Zero,
        ChaosFault.DatabaseCrash => TimeSpan.FromSeconds(5),
        ChaosFault.DatabaseHang => TimeSpan.FromSeconds(10),
        _ => TimeSpan.FromSeconds(15),
    };

    public static string Title(this ChaosFault fault) => fault switch
    {
        ChaosFault.ShopCrash => "Shop killed mid-checkout",
        ChaosFault.DatabaseCrash => "PostgreSQL crash and restart",
        ChaosFault.DatabaseHang => "PostgreSQL hangs",
        _ => "Payment gateway outage",
    };

    public static string Describe(this ChaosFault fault, TimeSpan length) => fault switch
    {
        ChaosFault.ShopCrash => $"SIGKILL of the shop process while purchases are in flight (the gateway takes 300 ms per charge for this run), " +
                                $"started again on the same address {Seconds(length, "at once", "after")}; the payment sandbox is its own process and lives on.",
        ChaosFault.DatabaseCrash => $"`pg_ctl stop -m immediate` (connections cut, crash recovery at the next start), started again after {Seconds(length)}.",
        ChaosFault.DatabaseHang => $"SIGSTOP of the postmaster and every backend for {Seconds(length)}, then SIGCONT.",
        _ => $"Every charge hangs (half of them) or fails with 500 (the rest) for {Seconds(length)}, then the gateway is healthy again.",
    };

    static string Seconds(TimeSpan length, string zero = "0 s", string prefix = "") =>
        length == TimeSpan.Zero ? zero : $"{(prefix.Length > 0 ? prefix + " " : "")}{length.TotalSeconds:0.#} s";
}
