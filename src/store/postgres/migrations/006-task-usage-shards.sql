-- Task usage was one row per day, updated by every task instance inserted: every node's every
-- transaction that created task instances queued on that one row lock until it committed, which
-- serialised all the nodes (issue 9, the scale benchmark). The count is now spread over 64 rows a day,
-- one picked by the inserting backend; reads add them up.
ALTER TABLE task_usage ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE task_usage DROP CONSTRAINT task_usage_pkey;
ALTER TABLE task_usage ADD PRIMARY KEY (day, shard);
CREATE OR REPLACE FUNCTION count_task_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO task_usage (day, shard, task_count)
  VALUES (to_char(to_timestamp(NEW.created_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), pg_backend_pid() % 64, 1)
  ON CONFLICT (day, shard) DO UPDATE SET task_count = task_usage.task_count + 1;
  RETURN NEW;
END $$;
