-- Task usage is counted by the store per group commit (task-usage-counter.ts) instead of by a trigger
-- that updated the day's row for every task instance inserted (issue 14: about 40 % of an INSERT).
DROP TRIGGER task_usage_count;
