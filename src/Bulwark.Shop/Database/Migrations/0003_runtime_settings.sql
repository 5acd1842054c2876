-- Versioned runtime settings (incident 4: a bad pool size deployed with no way back). Every change is a
-- new row with who, when, why and what changed; the newest row is in force on every instance.
CREATE TABLE runtime_settings (
    version     integer PRIMARY KEY,
    settings    jsonb       NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    changed_by  text        NOT NULL,
    reason      text        NOT NULL,
    diff        jsonb       NOT NULL DEFAULT '[]',
    rollback_of integer     REFERENCES runtime_settings (version)
);
