-- The node registry (issue 9): each Weir process announces itself and heartbeats; a node whose heartbeat
-- stopped is declared gone (stopped_at, stop_reason 'heartbeat-lost') and the task instances it held are
-- re-queued by the others. On SQLite there is one server per database, but the engine is the same.
CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  version TEXT NOT NULL DEFAULT 'unknown',
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  stopped_at INTEGER,
  stop_reason TEXT
);
CREATE INDEX nodes_running ON nodes (heartbeat_at) WHERE stopped_at IS NULL;
