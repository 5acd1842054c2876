using System.Runtime.Versioning;

// The cluster runs PostgreSQL's Unix server binaries; these tests inspect Unix file modes and owners.
[assembly: UnsupportedOSPlatform("windows")]
