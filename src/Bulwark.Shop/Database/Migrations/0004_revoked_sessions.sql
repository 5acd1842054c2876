-- Signed-out bearer tokens (DELETE /api/sessions/current), by the session id inside the token, until the
-- token would have expired anyway. Each instance keeps the unexpired ones in memory (NOTIFY on the
-- channel bulwark_session_revoked, plus a catch-up by revoked_at), so no request reads this table.
CREATE TABLE revoked_sessions (
    session_id text        PRIMARY KEY,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX revoked_sessions_revoked_at_idx ON revoked_sessions (revoked_at);
CREATE INDEX revoked_sessions_expires_at_idx ON revoked_sessions (expires_at);
