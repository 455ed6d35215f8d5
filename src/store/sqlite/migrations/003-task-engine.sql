-- Iterate, Logic::Merge, Approval, Execute::WorkflowTask, reruns and the loop guard.

-- The Iterate task instance whose For Each branch an instance belongs to, and which item it works on.
ALTER TABLE task_instances ADD COLUMN iteration_parent_id INTEGER;
ALTER TABLE task_instances ADD COLUMN iteration_index INTEGER;
-- On an Iterate task instance: how many of its For Each branches have ended.
ALTER TABLE task_instances ADD COLUMN iterations_done INTEGER NOT NULL DEFAULT 0;
-- What a Pending instance without a due time waits for: 'iterations', 'merge', 'approval', 'sub_run'.
ALTER TABLE task_instances ADD COLUMN waiting_on TEXT;
-- A failure that no Failure linkage handled: it makes the run's result Error (unless rerun).
ALTER TABLE task_instances ADD COLUMN is_unhandled_error INTEGER NOT NULL DEFAULT 0;
-- Reruns: the new instance names the one it reruns; the old one names its rerun.
ALTER TABLE task_instances ADD COLUMN rerun_of INTEGER;
ALTER TABLE task_instances ADD COLUMN rerun_by INTEGER;

-- A run started by an Execute::WorkflowTask: the task instance waiting for it, and how deep it is.
ALTER TABLE runs ADD COLUMN parent_task_instance_id INTEGER;
ALTER TABLE runs ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;

CREATE INDEX task_instances_by_scope ON task_instances (run_id, iteration_parent_id, iteration_index, status);
CREATE INDEX task_instances_by_task ON task_instances (run_id, task_id);
