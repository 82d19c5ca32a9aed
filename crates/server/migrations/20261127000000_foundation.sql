-- The foundation schema. Portable between SQLite and PostgreSQL: TEXT ids,
-- BIGINT epoch milliseconds for times, INTEGER 0/1 for flags.

CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    plan        TEXT NOT NULL DEFAULT 'free',
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces (id),
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE projects (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces (id),
    name          TEXT NOT NULL,
    upstream_url  TEXT,
    created_at    BIGINT NOT NULL
);

CREATE INDEX projects_by_workspace ON projects (workspace_id, created_at);

CREATE TABLE api_keys (
    id             TEXT PRIMARY KEY,
    workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
    project_id     TEXT REFERENCES projects (id),
    name           TEXT NOT NULL,
    description    TEXT,
    secret_digest  TEXT NOT NULL UNIQUE,
    prefix         TEXT NOT NULL,
    last_four      TEXT NOT NULL,
    scopes         TEXT NOT NULL,
    plan           TEXT,
    enabled        INTEGER NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT,
    last_used_at   BIGINT,
    revoked_at     BIGINT
);

CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id, created_at);

CREATE TABLE requests (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    key_id       TEXT,
    project_id   TEXT,
    occurred_at  BIGINT NOT NULL,
    method       TEXT NOT NULL,
    endpoint     TEXT NOT NULL,
    route        TEXT NOT NULL,
    resource_id  TEXT,
    outcome      TEXT NOT NULL,
    status_code  INTEGER NOT NULL,
    latency_ms   INTEGER NOT NULL,
    client_ip    TEXT
);

CREATE INDEX requests_by_workspace_time ON requests (workspace_id, occurred_at);
CREATE INDEX requests_by_key_time ON requests (key_id, occurred_at);
