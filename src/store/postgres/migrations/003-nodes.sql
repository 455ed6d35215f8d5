-- The node registry (issue 9): each Weir node announces itself and heartbeats; a node whose heartbeat
-- stopped is declared gone (stopped_at, stop_reason 'heartbeat-lost') and the task instances it held are
-- re-queued by the others (engine/leases.ts). Migration 001 created the table unused; this completes it.
ALTER TABLE nodes
  ADD COLUMN version TEXT NOT NULL DEFAULT 'unknown',
  ADD COLUMN stopped_at BIGINT,
  ADD COLUMN stop_reason TEXT;
CREATE INDEX nodes_running ON nodes (heartbeat_at) WHERE stopped_at IS NULL;
