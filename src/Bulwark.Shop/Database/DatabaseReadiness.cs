namespace Bulwark.Shop.Database;

/// <summary>Whether the schema is in place; until it is, the API answers 503 instead of failing on missing tables.</summary>
public sealed class DatabaseReadiness
{
    private volatile bool _migrated;

    public bool Migrated => _migrated;

    public void MarkMigrated() => _migrated = true;
}
