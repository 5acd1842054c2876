namespace Bulwark.Lab.Cluster;

/// <summary>
/// Everything one <c>lab cluster up</c> owns, under one directory (<c>lab-results/cluster</c>): the two
/// PostgreSQL data directories, PgBouncer's and nginx's generated configs, pid files and temp paths, the
/// logs, and <c>cluster.json</c>, which <c>down</c> reads to find what to stop.
/// </summary>
public sealed record ClusterFiles(string Root)
{
    public string Manifest => Path.Combine(Root, "cluster.json");
    public string Logs => Path.Combine(Root, "logs");
    public string Primary => Path.Combine(Root, "primary");
    public string Standby => Path.Combine(Root, "standby");
    public string PgBouncer => Path.Combine(Root, "pgbouncer");
    public string PgBouncerConfig => Path.Combine(PgBouncer, "pgbouncer.ini");
    public string PgBouncerUsers => Path.Combine(PgBouncer, "userlist.txt");
    public string PgBouncerPid => Path.Combine(PgBouncer, "pgbouncer.pid");
    public string Nginx => Path.Combine(Root, "nginx");
    public string NginxConfig => Path.Combine(Nginx, "nginx.conf");
    public string NginxSite => Path.Combine(Nginx, "bulwark.conf");
    public string NginxPid => Path.Combine(Nginx, "nginx.pid");
    public string NginxTemp => Path.Combine(Nginx, "temp");
}
