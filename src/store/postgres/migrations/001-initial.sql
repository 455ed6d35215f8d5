-- Weir schema, PostgreSQL dialect: the same tables and columns as the SQLite dialect, so that one row
-- mapping (store/rows.ts) serves both. Times are epoch milliseconds (BIGINT); JSON is kept as TEXT, as
-- written by the engine; flags are INTEGER 0/1.

-- workflows, versions and runs share 'object'; tasks and task instances share 'task'. Nodes take ids
-- in blocks of 1000 (INCREMENT BY 1000): a node owns [nextval - 999, nextval].
CREATE SEQUENCE object_ids INCREMENT BY 1000 START WITH 1000;
CREATE SEQUENCE task_ids INCREMENT BY 1000 START WITH 1000;

CREATE TABLE workflows (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  active_version_id BIGINT,
  api_token_sealed TEXT NOT NULL,
  basic_username TEXT NOT NULL,
  basic_password_sealed TEXT NOT NULL,
  run_count BIGINT NOT NULL DEFAULT 0,
  last_run_at BIGINT,
  -- last_run_at before the latest run: that run's Data.Workflow.LastRunDate.
  previous_run_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);

CREATE TABLE versions (
  id BIGINT PRIMARY KEY,
  workflow_id BIGINT NOT NULL REFERENCES workflows (id),
  version TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  callout_trigger INTEGER NOT NULL,
  sync_trigger INTEGER NOT NULL,
  ondemand_trigger INTEGER NOT NULL,
  scheduled_trigger INTEGER NOT NULL,
  interval TEXT,
  timezone TEXT,
  priority TEXT NOT NULL,
  delete_ttl BIGINT,
  document TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  concurrent_run_limit INTEGER,
  active_scheduled_run_check INTEGER NOT NULL DEFAULT 1,
  deleted_at BIGINT,
  UNIQUE (workflow_id, version)
);
CREATE INDEX versions_by_workflow ON versions (workflow_id, id);

CREATE TABLE runs (
  id BIGINT PRIMARY KEY,
  workflow_id BIGINT NOT NULL,
  version_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  status TEXT NOT NULL,
  result TEXT,
  mode TEXT NOT NULL,
  priority TEXT NOT NULL,
  inputs TEXT NOT NULL,
  run_user TEXT NOT NULL,
  previous_run_at BIGINT,
  response TEXT,
  response_result TEXT,
  error_class TEXT,
  error_message TEXT,
  idempotency_key TEXT,
  parent_task_instance_id BIGINT,
  depth INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT
);
CREATE INDEX runs_by_workflow ON runs (workflow_id, id);
CREATE INDEX runs_by_status ON runs (status, id);
CREATE UNIQUE INDEX runs_by_idempotency_key ON runs (workflow_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX runs_by_workflow_status ON runs (workflow_id, status);
CREATE INDEX runs_finished ON runs (workflow_id, finished_at) WHERE status IN ('Finished', 'Stopped');
CREATE INDEX runs_by_parent ON runs (parent_task_instance_id) WHERE parent_task_instance_id IS NOT NULL;

CREATE TABLE task_instances (
  id BIGINT PRIMARY KEY,
  run_id BIGINT NOT NULL,
  workflow_id BIGINT NOT NULL,
  version_id BIGINT NOT NULL,
  task_id BIGINT NOT NULL,
  name TEXT NOT NULL,
  action_type TEXT NOT NULL,
  status TEXT NOT NULL,
  -- 0 High, 1 Medium, 2 Low: claims take the lowest first.
  priority_rank INTEGER NOT NULL,
  previous_id BIGINT,
  data_in TEXT,
  data_out TEXT,
  state TEXT,
  attempt INTEGER NOT NULL DEFAULT 1,
  due_at BIGINT,
  locked_by TEXT,
  lease_until BIGINT,
  error TEXT,
  error_class TEXT,
  error_details TEXT,
  log TEXT,
  started_at BIGINT,
  ended_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  iteration_parent_id BIGINT,
  iteration_index INTEGER,
  iterations_done INTEGER NOT NULL DEFAULT 0,
  waiting_on TEXT,
  is_unhandled_error INTEGER NOT NULL DEFAULT 0,
  rerun_of BIGINT,
  rerun_by BIGINT
);
CREATE INDEX task_instances_by_run ON task_instances (run_id, status);
CREATE INDEX task_instances_queued ON task_instances (priority_rank, id) WHERE status = 'Queued';
CREATE INDEX task_instances_due ON task_instances (due_at) WHERE status = 'Pending' AND due_at IS NOT NULL;
CREATE INDEX task_instances_processing ON task_instances (locked_by) WHERE status = 'Processing';
CREATE INDEX task_instances_processing_by_task ON task_instances (task_id) WHERE status = 'Processing';
CREATE INDEX task_instances_by_scope ON task_instances (run_id, iteration_parent_id, iteration_index, status);
CREATE INDEX task_instances_by_task ON task_instances (run_id, task_id);

CREATE TABLE oauth_clients (
  client_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);

-- Per-task concurrent_limit, one row per task of a version that has a limit below the reference's
-- "no limit" (9,999,999). The claim reads it; task ids are unique across versions.
CREATE TABLE task_limits (
  task_id BIGINT PRIMARY KEY,
  version_id BIGINT NOT NULL,
  concurrent_limit INTEGER NOT NULL
);

-- The version whose settings a workflow follows (delete_ttl, limits): the active one, else the latest.
CREATE VIEW current_versions AS
SELECT w.id AS workflow_id,
       COALESCE(w.active_version_id,
                (SELECT max(v.id) FROM versions v WHERE v.workflow_id = w.id AND v.deleted_at IS NULL)) AS version_id
FROM workflows w;

-- One row per (workflow, scheduled instant): whoever inserts it first starts (or skips) that run.
CREATE TABLE schedule_fires (
  workflow_id BIGINT NOT NULL,
  scheduled_at BIGINT NOT NULL,
  version_id BIGINT NOT NULL,
  outcome TEXT NOT NULL,
  run_id BIGINT,
  reason TEXT,
  fired_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (workflow_id, scheduled_at)
);

-- Task usage per UTC day, counted as task instances are inserted (outlives retention).
CREATE TABLE task_usage (
  day TEXT PRIMARY KEY,
  task_count BIGINT NOT NULL
);
CREATE FUNCTION count_task_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO task_usage (day, task_count)
  VALUES (to_char(to_timestamp(NEW.created_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 1)
  ON CONFLICT (day) DO UPDATE SET task_count = task_usage.task_count + 1;
  RETURN NEW;
END $$;
CREATE TRIGGER task_usage_count AFTER INSERT ON task_instances FOR EACH ROW EXECUTE FUNCTION count_task_usage();

-- The nodes sharing this database: each heartbeats; a node whose heartbeat is stale is gone.
CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started_at BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL
);
