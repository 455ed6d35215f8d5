-- A task waiting on a sub-run asks, as it completes, whether its child run has ended
-- (`hasFinalSubRun`: parent_task_instance_id = ? AND status IN ('Finished', 'Stopped')). Without an
-- index on the parent, SQLite walked every finished run through runs_by_status: about 9 ms per call on
-- 100,000 finished runs, inside the group commit. PostgreSQL has had this index from the start.
-- Partial: runs started by a trigger or a schedule (no parent) do not pay for it.
CREATE INDEX runs_by_parent ON runs (parent_task_instance_id) WHERE parent_task_instance_id IS NOT NULL;
