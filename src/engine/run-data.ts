import type { JsonObject, JsonValue, RunState } from '../model/records.js';

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
export function workflowInstanceScope(run: RunState): JsonObject {
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
