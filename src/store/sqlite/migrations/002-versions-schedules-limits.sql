-- Versions, the scheduled trigger, limits, retention and usage (issue 4). SQLite dialect; times are epoch ms.

-- Version settings beyond the first migration's, kept as columns like the others.
-- concurrent_run_limit: runs of the workflow in flight at once (NULL: no limit); runs past it stay Queued.
-- active_scheduled_run_check: 0 turns off the reference's skip rule for scheduled runs.
ALTER TABLE versions ADD COLUMN concurrent_run_limit INTEGER;
ALTER TABLE versions ADD COLUMN active_scheduled_run_check INTEGER NOT NULL DEFAULT 1;
-- A deleted version disappears from the API; runs that used it still read it.
ALTER TABLE versions ADD COLUMN deleted_at INTEGER;

-- Per-task concurrent_limit, one row per task of a version that has a limit below the reference's
-- "no limit" (9,999,999). The claim reads it; task ids are unique across versions.
CREATE TABLE task_limits (
  task_id INTEGER PRIMARY KEY,
  version_id INTEGER NOT NULL,
  concurrent_limit INTEGER NOT NULL
);
INSERT INTO task_limits (task_id, version_id, concurrent_limit)
SELECT json_extract(task.value, '$.id'), versions.id, json_extract(task.value, '$.concurrent_limit')
FROM versions, json_each(versions.document, '$.tasks') AS task
WHERE json_extract(task.value, '$.concurrent_limit') < 9999999;

-- Counting Processing task instances of one task (concurrent_limit), and active runs of one workflow.
CREATE INDEX task_instances_processing_by_task ON task_instances (task_id) WHERE status = 'Processing';
CREATE INDEX runs_by_workflow_status ON runs (workflow_id, status);
-- Retention walks each workflow's finished runs oldest first.
CREATE INDEX runs_finished ON runs (workflow_id, finished_at) WHERE status IN ('Finished', 'Stopped');

-- The version whose settings a workflow follows (delete_ttl, limits): the active one, else the latest.
CREATE VIEW current_versions AS
SELECT w.id AS workflow_id,
       COALESCE(w.active_version_id,
                (SELECT max(v.id) FROM versions v WHERE v.workflow_id = w.id AND v.deleted_at IS NULL)) AS version_id
FROM workflows w;

-- One row per (workflow, scheduled instant): whoever inserts it first starts (or skips) that run.
-- outcome: 'Started' (run_id set) or 'Skipped' (reason set).
CREATE TABLE schedule_fires (
  workflow_id INTEGER NOT NULL,
  scheduled_at INTEGER NOT NULL,
  version_id INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  run_id INTEGER,
  reason TEXT,
  fired_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (workflow_id, scheduled_at)
);

-- Task usage per UTC day (GET /workflows/metrics.json). Counted as task instances are inserted, so the
-- figures outlive retention, which deletes the instances themselves.
CREATE TABLE task_usage (
  day TEXT PRIMARY KEY,
  task_count INTEGER NOT NULL
);
INSERT INTO task_usage (day, task_count)
SELECT date(created_at / 1000, 'unixepoch'), count(*) FROM task_instances GROUP BY 1;

CREATE TRIGGER task_usage_count AFTER INSERT ON task_instances
BEGIN
  INSERT INTO task_usage (day, task_count) VALUES (date(NEW.created_at / 1000, 'unixepoch'), 1)
  ON CONFLICT (day) DO UPDATE SET task_count = task_count + 1;
END;
