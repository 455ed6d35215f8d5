-- The failure filters (GET /workflows/runs?result=Error, task instances with status Error: what an operator
-- looks for first) walked the whole history newest first until a page of failures was found: 22–45 ms
-- on 200,000 runs and task instances without one, with the event loop held (SQLite reads are synchronous).
-- Partial: only failed rows are in them, so a write pays for them only when something fails.
CREATE INDEX runs_failed ON runs (id) WHERE result = 'Error';
CREATE INDEX runs_failed_by_workflow ON runs (workflow_id, id) WHERE result = 'Error';
CREATE INDEX task_instances_failed ON task_instances (id) WHERE status = 'Error';
