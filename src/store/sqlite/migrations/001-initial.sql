-- Weir schema, SQLite dialect. Times are epoch milliseconds.
CREATE TABLE sequences (
  name TEXT PRIMARY KEY,
  next_value INTEGER NOT NULL
);
-- workflows, versions and runs share 'object'; tasks and task instances share 'task'.
INSERT INTO sequences (name, next_value) VALUES ('object', 1), ('task', 1);

CREATE TABLE workflows (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  active_version_id INTEGER,
  api_token_sealed TEXT NOT NULL,
  basic_username TEXT NOT NULL,
  basic_password_sealed TEXT NOT NULL,
  run_count INTEGER NOT NULL DEFAULT 0,
  last_run_at INTEGER,
  -- last_run_at before the latest run: that run's Data.Workflow.LastRunDate.
  previous_run_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted_at INTEGER
);

CREATE TABLE versions (
  id INTEGER PRIMARY KEY,
  workflow_id INTEGER NOT NULL REFERENCES workflows (id),
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
  delete_ttl INTEGER,
  document TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (workflow_id, version)
);
CREATE INDEX versions_by_workflow ON versions (workflow_id, id);

CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  workflow_id INTEGER NOT NULL,
  version_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  status TEXT NOT NULL,
  result TEXT,
  mode TEXT NOT NULL,
  priority TEXT NOT NULL,
  inputs TEXT NOT NULL,
  run_user TEXT NOT NULL,
  previous_run_at INTEGER,
  response TEXT,
  response_result TEXT,
  error_class TEXT,
  error_message TEXT,
  idempotency_key TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER
);
CREATE INDEX runs_by_workflow ON runs (workflow_id, id);
CREATE INDEX runs_by_status ON runs (status, id);
CREATE UNIQUE INDEX runs_by_idempotency_key ON runs (workflow_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

CREATE TABLE task_instances (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL,
  workflow_id INTEGER NOT NULL,
  version_id INTEGER NOT NULL,
  task_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  action_type TEXT NOT NULL,
  status TEXT NOT NULL,
  -- 0 High, 1 Medium, 2 Low: claims take the lowest first.
  priority_rank INTEGER NOT NULL,
  previous_id INTEGER,
  data_in TEXT,
  data_out TEXT,
  state TEXT,
  attempt INTEGER NOT NULL DEFAULT 1,
  due_at INTEGER,
  locked_by TEXT,
  lease_until INTEGER,
  error TEXT,
  error_class TEXT,
  error_details TEXT,
  log TEXT,
  started_at INTEGER,
  ended_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX task_instances_by_run ON task_instances (run_id, status);
CREATE INDEX task_instances_queued ON task_instances (priority_rank, id) WHERE status = 'Queued';
CREATE INDEX task_instances_due ON task_instances (due_at) WHERE status = 'Pending' AND due_at IS NOT NULL;
CREATE INDEX task_instances_processing ON task_instances (locked_by) WHERE status = 'Processing';

CREATE TABLE oauth_clients (
  client_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
