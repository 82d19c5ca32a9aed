-- Durable request counts per key for the daily and billing-period limits,
-- so a restart does not hand out a fresh quota. Written behind the limiter
-- about once a second, as absolute counts.
CREATE TABLE usage_counters (
    key_id        TEXT NOT NULL,
    window_kind   TEXT NOT NULL,
    window_start  BIGINT NOT NULL,
    count         BIGINT NOT NULL,
    PRIMARY KEY (key_id, window_kind, window_start)
);
