import type { JsonObject, JsonValue, RunRecord } from './records.js';
import { dateParts } from './time.js';

/**
 * The `Data` a run's first tasks start from: `Data.Workflow.{ExecutionDate, ExecutionDateTime,
 * WorkflowRunUser, LastRunDate, LastRunDateTime}` and the run's inputs (`Data.<object>.<field>`).
 * Derived from the run, never stored: the run's inputs are its one stored copy.
 */
export function initialData(run: Pick<RunRecord, 'createdAt' | 'runUser' | 'previousRunAt' | 'inputs'>): JsonObject {
  const execution = dateParts(run.createdAt);
  const workflow: JsonObject = {
    ExecutionDate: execution.date,
    ExecutionDateTime: execution.dateTime,
    WorkflowRunUser: run.runUser,
  };
  if (run.previousRunAt !== null) {
    const last = dateParts(run.previousRunAt);
    workflow.LastRunDate = last.date;
    workflow.LastRunDateTime = last.dateTime;
  }
  const data: JsonObject = { Workflow: workflow };
  for (const [objectName, fields] of Object.entries(run.inputs)) {
    const existing = data[objectName];
    data[objectName] = isObject(existing) && isObject(fields) ? { ...existing, ...fields } : fields;
  }
  return data;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
