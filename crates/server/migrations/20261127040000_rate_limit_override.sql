-- A key's own per-minute rate, overriding its plan's.
ALTER TABLE api_keys ADD COLUMN rate_limit_per_minute INTEGER;
