import { readInputs } from '../model/inputs.js';
import type { RunRecord, RunState, TaskInstanceRecord } from '../model/records.js';
import { isFinalRunStatus } from '../model/statuses.js';
import type { Notifier } from '../store/notifier.js';
import type { Store } from '../store/store.js';
import { SubRunError, type SubRunStarter, type SubRunSummary } from '../tasks/task-type.js';
import type { VersionCache } from './version-cache.js';

/** Execute::WorkflowTask may nest this deep; deeper is a task error (it stops runaway recursion). */
export const MAX_SUB_RUN_DEPTH = 10;

export interface SubRunOptions {
  store: Pick<Store, 'queue' | 'catalog' | 'reads'>;
  notifier: Notifier;
  versions: VersionCache;
  now: () => number;
  /** Told of each sub-run started (metrics, logs, traces). */
  onStarted?: (run: RunRecord) => void;
}

/** The sub-run starter one task instance of `run` sees. */
export function subRunStarter(
  options: SubRunOptions,
  run: Pick<RunRecord, 'name' | 'depth' | 'priority'>,
  instance: Pick<TaskInstanceRecord, 'id'>,
): SubRunStarter {
  const { store, versions, now } = options;
  return {
    async start({ workflowId, inputs, wait }) {
      if (run.depth + 1 > MAX_SUB_RUN_DEPTH) {
        throw new SubRunError(`Workflows may call workflows at most ${MAX_SUB_RUN_DEPTH} levels deep.`);
      }
      const workflow = await store.catalog.getWorkflow(workflowId);
      if (!workflow) throw new SubRunError(`Workflow ${workflowId} does not exist.`);
      if (workflow.status !== 'Active' || workflow.activeVersionId === null) {
        throw new SubRunError(`Workflow ${workflowId} is inactive; inactive workflow definitions cannot be run.`);
      }
      const version = await versions.get(workflow.activeVersionId);
      if (!version) throw new SubRunError(`Workflow ${workflowId} has no runnable version.`);
      const { inputs: coerced, problems } = readInputs(version.inputs, inputs);
      const problem = problems[0];
      if (problem) {
        throw new SubRunError(
          problem.kind === 'missing'
            ? `Workflow ${workflowId} needs the input '${problem.declaration.requestName}'.`
            : problem.title,
        );
      }
      const { run: child } = await store.queue.createRun({
        workflowId,
        versionId: version.versionId,
        mode: 'standard',
        priority: run.priority,
        inputs: coerced,
        runUser: run.name,
        idempotencyKey: null,
        idempotencyWindowMs: 0,
        entryTasks: version.graph.entryTaskIds.map((taskId) => {
          const task = version.tasks.get(taskId);
          return {
            taskId,
            name: task?.definition.name ?? String(taskId),
            actionType: task?.definition.action_type ?? 'Unknown',
          };
        }),
        claimFor: null,
        parentTaskInstanceId: wait ? instance.id : null,
        depth: run.depth + 1,
        now: now(),
      });
      options.onStarted?.(child);
      options.notifier.publish({ kind: 'new-work' });
      return summarize(child);
    },
    async get(runId) {
      const child = await store.queue.getRunState(runId);
      return child && summarize(child);
    },
  };
}

function summarize(run: RunState): SubRunSummary {
  const hasFormatter = run.responseResult !== null;
  return {
    id: run.id,
    name: run.name,
    workflowId: run.workflowId,
    status: run.status,
    isFinal: isFinalRunStatus(run.status),
    result: run.result,
    formatterResponse: hasFormatter && run.response ? run.response : null,
    lastData: !hasFormatter && run.response ? run.response.body : null,
    errorClass: run.errorClass,
    errorMessage: run.errorMessage,
  };
}
