-- Global constants (issue 11): tenant-wide values, GlobalConstants in Liquid. A secret one is kept sealed only.
CREATE TABLE global_constants (
  name TEXT PRIMARY KEY,
  value TEXT,
  value_sealed TEXT,
  is_secret INTEGER NOT NULL CHECK (is_secret IN (0, 1)),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CHECK ((is_secret = 1 AND value IS NULL AND value_sealed IS NOT NULL) OR (is_secret = 0 AND value_sealed IS NULL))
);
