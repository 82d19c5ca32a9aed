-- The rollups stored in their primary key's order (WITHOUT ROWID): a key's
-- usage over a range is one contiguous read of the table itself, with no
-- look-up of each row by rowid, and every upsert maintains one B-tree fewer.
CREATE TABLE usage_rollups_clustered (
    workspace_id   TEXT NOT NULL,
    key_id         TEXT NOT NULL,
    project_id     TEXT NOT NULL,
    hour_start     BIGINT NOT NULL,
    dimension      TEXT NOT NULL,
    value          TEXT NOT NULL,
    count          BIGINT NOT NULL,
    latency_ms_sum BIGINT NOT NULL,
    PRIMARY KEY (key_id, dimension, hour_start, value, workspace_id, project_id)
) WITHOUT ROWID;

INSERT INTO usage_rollups_clustered
    SELECT workspace_id, key_id, project_id, hour_start, dimension, value, count, latency_ms_sum
    FROM usage_rollups;
DROP TABLE usage_rollups;
ALTER TABLE usage_rollups_clustered RENAME TO usage_rollups;

CREATE INDEX usage_rollups_by_project ON usage_rollups (project_id, dimension, hour_start);
CREATE INDEX usage_rollups_by_workspace ON usage_rollups (workspace_id, dimension, hour_start);
