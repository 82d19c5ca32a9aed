-- Keys and access control: rotation with a grace period, key roles, console
-- sessions. Portable between SQLite and PostgreSQL.

ALTER TABLE api_keys ADD COLUMN role TEXT;
-- After a rotation with a grace period, the old secret's digest and until
-- when it still works.
ALTER TABLE api_keys ADD COLUMN previous_digest TEXT;
ALTER TABLE api_keys ADD COLUMN previous_valid_until BIGINT;

CREATE INDEX api_keys_by_previous_digest ON api_keys (previous_digest);
CREATE INDEX api_keys_by_project ON api_keys (project_id);

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token: a stolen database opens no session.
    token_digest  TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);

CREATE INDEX sessions_by_user ON sessions (user_id);
