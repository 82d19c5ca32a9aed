-- Hourly rollups of the request log, kept by the log writer in the same
-- transaction as the records, so dashboards never scan the raw log. Days are
-- sums of hours.
CREATE TABLE usage_hourly (
    workspace_id  TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    project_id    TEXT NOT NULL,
    hour_start    BIGINT NOT NULL,
    outcome       TEXT NOT NULL,
    method        TEXT NOT NULL,
    status_code   INTEGER NOT NULL,
    route         TEXT NOT NULL,
    count         BIGINT NOT NULL,
    latency_ms_sum BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, key_id, project_id, hour_start, outcome, method, status_code, route)
);

CREATE INDEX usage_hourly_by_key ON usage_hourly (key_id, hour_start);
CREATE INDEX usage_hourly_by_project ON usage_hourly (project_id, hour_start);
CREATE INDEX usage_hourly_by_workspace ON usage_hourly (workspace_id, hour_start);
