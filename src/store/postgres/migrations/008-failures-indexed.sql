-- As SQLite's migration 011: the failure filters read the failed rows only, not the history.
CREATE INDEX runs_failed ON runs (id) WHERE result = 'Error';
CREATE INDEX runs_failed_by_workflow ON runs (workflow_id, id) WHERE result = 'Error';
CREATE INDEX task_instances_failed ON task_instances (id) WHERE status = 'Error';
