-- Data stored once (issue 10): a task instance's input Data is the output Data of the instance it came
-- from (data_base; NULL: the run's initial Data, derived from runs.inputs) with the changes in
-- data_in_patch; its output Data is its input Data with the changes in data_out_patch. data_in and
-- data_out hold Data stored whole: rows written before this migration, and the snapshots that end a long
-- chain of patches (docs/architecture.md, "Data, stored once").
ALTER TABLE task_instances ADD COLUMN data_base INTEGER;
ALTER TABLE task_instances ADD COLUMN data_in_patch TEXT;
ALTER TABLE task_instances ADD COLUMN data_out_patch TEXT;

-- The items (or chunks) of an Iterate task instance, stored once when it starts; it starts its For Each
-- branches from them by index, a few at a time, keeping only a cursor in its state.
CREATE TABLE iteration_items (
  iterate_id INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  item TEXT NOT NULL,
  PRIMARY KEY (iterate_id, idx)
);

-- A run's inputs when they are large (run-creation.ts), apart from its row: SQLite rewrites a row whole
-- at every change of it, overflow pages included, and a run's row changes at each of its status changes.
-- runs.inputs is then ''. Rows written before keep their inputs in runs.inputs.
CREATE TABLE run_inputs (
  run_id INTEGER PRIMARY KEY,
  inputs TEXT NOT NULL
);
