import type { VersionCache } from '../engine/version-cache.js';
import { ForbiddenError, InvalidRequestError } from '../model/errors.js';
import type { VersionRecord } from '../model/records.js';
import type { TaskDefinition, WorkflowDocument } from '../model/workflow-document.js';
import type { Store } from '../store/store.js';
import type { WorkflowCatalog } from './workflow-catalog.js';

export interface SetupTasksOptions {
  store: Store;
  versions: VersionCache;
  catalog: WorkflowCatalog;
  now: () => number;
}

/** A task of a version, with its version. */
export interface SetupTask {
  task: TaskDefinition;
  version: VersionRecord;
}

/** What `batch_update` may change on a task of a version, as the reference. */
export interface SetupTaskUpdate {
  id: number;
  name?: string;
  tags?: string[];
  concurrent_limit?: number;
  priority?: 'High' | 'Medium' | 'Low';
}

const PAGE = 200;

/**
 * Tasks of versions (`instance: false`) by id: `GET /workflows/tasks/{id}` and `batch_update` on them.
 *
 * Finding a task by id reads the versions of every workflow (the store has no index of task ids);
 * the management API is not a hot path, and ids of task instances are looked up first.
 */
export class SetupTasks {
  constructor(private readonly options: SetupTasksOptions) {}

  /** The tasks with these ids, by id; ids that are no task of any version are absent. */
  async find(ids: readonly number[]): Promise<Map<number, SetupTask>> {
    const wanted = new Set(ids);
    const found = new Map<number, SetupTask>();
    for (let offset = 0; found.size < wanted.size; offset += PAGE) {
      const workflows = await this.options.store.catalog.listWorkflows({}, { offset, limit: PAGE });
      for (const workflow of workflows) {
        for (const version of await this.options.store.catalog.listVersions(workflow.id)) {
          for (const task of version.document.tasks) {
            const id = Number(task.id);
            if (wanted.has(id)) found.set(id, { task, version });
          }
        }
      }
      if (workflows.length < PAGE) break;
    }
    return found;
  }

  /**
   * Applies `updates` to tasks of versions, all or nothing: every task must exist (`missing` lists
   * those that do not, and nothing is written) and every change be allowed before anything is written.
   * The active version's graph is what runs use: its tasks' `name`, `tags` and `priority` may change,
   * but not `concurrent_limit` (403; import a version with the new limit).
   */
  async update(updates: readonly SetupTaskUpdate[]): Promise<{ missing: number[]; tasks: SetupTask[] }> {
    const found = await this.find(updates.map((u) => u.id));
    const missing = updates.map((u) => u.id).filter((id) => !found.has(id));
    if (missing.length > 0) return { missing, tasks: [] };

    const byVersion = new Map<number, { version: VersionRecord; updates: SetupTaskUpdate[] }>();
    for (const update of updates) {
      const { version } = found.get(update.id) as SetupTask;
      const entry = byVersion.get(version.id) ?? { version, updates: [] };
      entry.updates.push(update);
      byVersion.set(version.id, entry);
    }
    const actives = new Set<number>();
    for (const { version, updates: changes } of byVersion.values()) {
      const workflow = await this.options.catalog.getWorkflow(version.workflowId);
      if (workflow.activeVersionId !== version.id) continue;
      actives.add(version.id);
      const limited = changes.find((u) => u.concurrent_limit !== undefined);
      if (limited) {
        throw new ForbiddenError(
          `Task ${limited.id} belongs to the active version: its concurrent_limit cannot change; import a new version.`,
        );
      }
    }

    const { store, now } = this.options;
    for (const { version, updates: changes } of byVersion.values()) {
      const document = applyUpdates(version.document, changes);
      if (actives.has(version.id)) {
        await store.catalog.updateVersionSettings(version.id, version.settings, document, now());
      } else {
        const edited = await store.catalog.editVersion({
          versionId: version.id,
          settings: version.settings,
          document,
          now: now(),
        });
        if (edited.kind !== 'edited') {
          throw new InvalidRequestError(`The version of task ${changes[0]?.id ?? ''} changed meanwhile; try again.`);
        }
      }
      this.options.catalog.forget(version.workflowId);
    }
    const after = await this.find(updates.map((u) => u.id));
    return { missing: [], tasks: updates.map((u) => after.get(u.id)).filter((t): t is SetupTask => t !== undefined) };
  }
}

function applyUpdates(document: WorkflowDocument, updates: readonly SetupTaskUpdate[]): WorkflowDocument {
  const byId = new Map(updates.map((u) => [u.id, u]));
  return {
    ...document,
    tasks: document.tasks.map((task) => {
      const update = byId.get(Number(task.id));
      if (!update) return task;
      const { id: _id, ...changes } = update;
      return { ...task, ...changes };
    }),
  };
}
