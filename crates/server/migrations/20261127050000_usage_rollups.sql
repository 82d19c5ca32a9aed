-- Hourly rollups of the request log, kept by the log writer in the same
-- transaction as the records, so dashboards never scan the raw log. One row
-- per (key, hour, dimension, value) for each dimension on its own (outcome,
-- method, status_code, route), not their cross product, so the table stays
-- small however many records there are. Days are sums of hours.
CREATE TABLE usage_rollups (
    workspace_id   TEXT NOT NULL,
    key_id         TEXT NOT NULL,
    project_id     TEXT NOT NULL,
    hour_start     BIGINT NOT NULL,
    dimension      TEXT NOT NULL,
    value          TEXT NOT NULL,
    count          BIGINT NOT NULL,
    latency_ms_sum BIGINT NOT NULL,
    PRIMARY KEY (key_id, dimension, hour_start, value, workspace_id, project_id)
);

CREATE INDEX usage_rollups_by_project ON usage_rollups (project_id, dimension, hour_start);
CREATE INDEX usage_rollups_by_workspace ON usage_rollups (workspace_id, dimension, hour_start);
