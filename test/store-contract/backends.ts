import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VersionCache } from '../../src/engine/version-cache.js';
import { WorkflowCatalog } from '../../src/management/workflow-catalog.js';
import type { WorkflowRecord } from '../../src/model/records.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { openStore } from '../../src/store/open-store.js';
import type { NewRun, Store } from '../../src/store/store.js';

/**
 * The stores the contract suite runs on. Each test file gets its own database. PostgreSQL joins this
 * list with the scale-out work (issue 9); every test here must then pass on it unchanged.
 */
export interface Backend {
  name: string;
  open(): Promise<{ store: Store; cleanup: () => Promise<void> }>;
}

export const BACKENDS: readonly Backend[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-contract-'));
      const store = await openStore(`sqlite:${path.join(dir, 'weir.db')}`, { role: 'server' });
      return {
        store,
        cleanup: async () => {
          await store.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

const SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

/** A workflow with one task (optionally with a `concurrent_limit`), imported through the real catalog. */
export async function importWorkflow(
  store: Store,
  options: { concurrentLimit?: number; runLimit?: number } = {},
): Promise<{ workflow: WorkflowRecord; versionId: number; taskId: number }> {
  const catalog = new WorkflowCatalog({
    store,
    notifier: store.notifier,
    versions: new VersionCache(store.catalog, store.notifier),
    secrets: new SecretBox(SECRET_KEY),
    now: Date.now,
  });
  const workflow = await catalog.importWorkflow(
    {
      workflow: {
        name: 'Contract',
        ...(options.runLimit !== undefined ? { concurrent_run_limit: options.runLimit } : {}),
      },
      tasks: [
        {
          id: 1,
          name: 'Answer',
          action_type: 'Logic::ResponseFormatter',
          ...(options.concurrentLimit !== undefined ? { concurrent_limit: options.concurrentLimit } : {}),
          parameters: { processor: 'Liquid', template: '{"ok": true}', code: 200 },
        },
      ],
      linkages: [{ source_task_id: null, target_task_id: 1, linkage_type: 'Start' }],
    },
    { activate: true },
  );
  const version = await store.catalog.getCurrentVersion(workflow.id);
  if (!version) throw new Error('imported workflow has no version');
  const taskId = version.document.tasks[0]?.id;
  if (typeof taskId !== 'number') throw new Error('imported task has no id');
  return { workflow, versionId: version.id, taskId };
}

/** A standard run of the workflow with its one entry task. */
export function newRun(
  seeded: { workflow: WorkflowRecord; versionId: number; taskId: number },
  now: number,
  extra: Partial<NewRun> = {},
): NewRun {
  return {
    workflowId: seeded.workflow.id,
    versionId: seeded.versionId,
    mode: 'standard',
    priority: 'Medium',
    inputs: {},
    runUser: 'contract',
    idempotencyKey: null,
    idempotencyWindowMs: 24 * 3600 * 1000,
    entryTasks: [{ taskId: seeded.taskId, name: 'Answer', actionType: 'Logic::ResponseFormatter' }],
    claimFor: null,
    now,
    ...extra,
  };
}
