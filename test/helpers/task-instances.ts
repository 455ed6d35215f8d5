import type { JsonBody } from './http.js';
import { must, type ApiClient } from './setup-workflow.js';

/** A task instance as `GET /workflows/tasks` shows it (the fields the task-type tests read). */
export interface TaskInstanceView {
  id: number;
  name: string;
  action_type: string;
  status: string;
  error: string | null;
  error_class: string | null;
  error_details: string | null;
  data_out: JsonBody;
  log: string | null;
}

/** The ids of a workflow's runs, newest first. */
export async function runIdsOf(weir: ApiClient, workflowId: number): Promise<number[]> {
  const page = must(await weir.api('GET', `/workflows/workflow_runs?workflow_id=${workflowId}`), 200, 'list runs');
  return (page.data as { id: number }[]).map((run) => run.id);
}

/** The only run of a workflow (throws when there is not exactly one). */
export async function onlyRunOf(weir: ApiClient, workflowId: number): Promise<number> {
  const ids = await runIdsOf(weir, workflowId);
  if (ids.length !== 1 || ids[0] === undefined) throw new Error(`workflow ${workflowId} has ${ids.length} runs`);
  return ids[0];
}

/** The task instances of a run (`GET /workflows/tasks?workflow_id=<run id>`), in the API's order. */
export async function taskInstancesOf(weir: ApiClient, runId: number): Promise<TaskInstanceView[]> {
  const page = must(await weir.api('GET', `/workflows/tasks?workflow_id=${runId}&page_length=100`), 200, 'list tasks');
  return page.data as TaskInstanceView[];
}

/** The one task instance of a run named `name`. */
export async function taskInstanceNamed(weir: ApiClient, runId: number, name: string): Promise<TaskInstanceView> {
  const matching = (await taskInstancesOf(weir, runId)).filter((t) => t.name === name);
  if (matching.length !== 1 || matching[0] === undefined) {
    throw new Error(`run ${runId} has ${matching.length} task instances named "${name}"`);
  }
  return matching[0];
}
