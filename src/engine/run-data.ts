import type { JsonObject, JsonValue, RunRecord } from '../model/records.js';
import { dateParts } from '../model/time.js';

/**
 * The `Data` a run's first tasks start from: `Data.Workflow.{ExecutionDate, ExecutionDateTime,
 * WorkflowRunUser, LastRunDate, LastRunDateTime}` and the run's inputs (`Data.<object>.<field>`).
 */
export function initialData(run: RunRecord): JsonObject {
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

/** The `Data` a failure branch starts from: the failed task's, plus `Data.Tasks.Previous`. */
export function failureData(
  data: JsonObject,
  failed: { instanceId: number; errorClass: string; message: string },
): JsonObject {
  const tasks = isObject(data.Tasks) ? data.Tasks : {};
  return {
    ...data,
    Tasks: {
      ...tasks,
      Previous: { Id: failed.instanceId, Status: 'Error', ErrorClass: failed.errorClass, ErrorReason: failed.message },
    },
  };
}

/** The `WorkflowInstance` Liquid object. */
export function workflowInstanceScope(run: RunRecord): JsonObject {
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    created_at: new Date(run.createdAt).toISOString(),
    original_workflow_id: run.workflowId,
  };
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
