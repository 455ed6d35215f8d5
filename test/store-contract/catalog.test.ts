import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientRecord, VersionSettings, WorkflowRecord } from '../../src/model/records.js';
import type { WorkflowDocument } from '../../src/model/workflow-document.js';
import type { CatalogStore, RunReadModel } from '../../src/store/store.js';
import type { NewVersion } from '../../src/store/store-inputs.js';
import { BACKENDS, type RawSql } from './backends.js';

/** What this file tests of a store: the catalog and the read model, and raw SQL on the same database. */
interface CatalogBackend {
  name: string;
  skipReason: string | null;
  open(): Promise<{ catalog: CatalogStore; reads: RunReadModel; sql: RawSql; cleanup: () => Promise<void> }>;
}

const CATALOG_BACKENDS: readonly CatalogBackend[] = BACKENDS.map((backend) => ({
  name: backend.name,
  skipReason: backend.skipReason,
  async open() {
    const { store, sql, cleanup } = await backend.open();
    return { catalog: store.catalog, reads: store.reads, sql, cleanup };
  },
}));

const NOW = 1_700_000_000_000;
const CREDENTIALS = { apiTokenSealed: 'sealed-token', basicUsername: 'trigger', basicPasswordSealed: 'sealed-pw' };
const PAGE = { offset: 0, limit: 100 };

function settings(overrides: Partial<VersionSettings> = {}): VersionSettings {
  return {
    calloutTrigger: false,
    syncTrigger: false,
    ondemandTrigger: false,
    scheduledTrigger: false,
    interval: null,
    timezone: null,
    priority: 'Medium',
    deleteTtl: null,
    concurrentRunLimit: null,
    activeScheduledRunCheck: true,
    ...overrides,
  };
}

function workflowDocument(name: string, tasks: Array<{ id: number; limit?: number }>): WorkflowDocument {
  return {
    workflow: { name },
    tasks: tasks.map((task) => ({
      id: task.id,
      name: `Task ${task.id}`,
      action_type: 'Logic::ResponseFormatter',
      parameters: { template: '{}' },
      ...(task.limit !== undefined ? { concurrent_limit: task.limit } : {}),
    })),
    linkages: [{ source_task_id: null, target_task_id: tasks[0]?.id ?? 0, linkage_type: 'Start' }],
  };
}

for (const backend of CATALOG_BACKENDS) {
  describe.skipIf(backend.skipReason !== null)(
    `catalog and read model contract: ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`,
    () => {
      let catalog: CatalogStore;
      let reads: RunReadModel;
      let sql: RawSql;
      let cleanup: () => Promise<void>;
      beforeAll(async () => {
        ({ catalog, reads, sql, cleanup } = await backend.open());
      });
      afterAll(async () => cleanup());

      async function newVersion(
        options: { version?: string; settings?: Partial<VersionSettings>; limits?: number[] } = {},
      ): Promise<NewVersion> {
        const [id] = await catalog.allocateObjectIds(1);
        const taskIds = await catalog.allocateTaskIds(Math.max(1, options.limits?.length ?? 1));
        if (id === undefined) throw new Error('no id allocated');
        const version = options.version ?? '1';
        return {
          id,
          version,
          name: `Version ${version}`,
          description: `version ${version}`,
          settings: settings(options.settings),
          document: workflowDocument(
            `v${version}`,
            taskIds.map((taskId, i) => ({ id: taskId, limit: options.limits?.[i] })),
          ),
        };
      }

      async function createWorkflow(
        name: string,
        options: { activate?: boolean; settings?: Partial<VersionSettings>; limits?: number[]; now?: number } = {},
      ) {
        const [id] = await catalog.allocateObjectIds(1);
        if (id === undefined) throw new Error('no id allocated');
        const isActive = options.activate ?? true;
        return catalog.createWorkflow({
          id,
          name,
          description: `about ${name}`,
          status: isActive ? 'Active' : 'Inactive',
          credentials: CREDENTIALS,
          version: await newVersion({ settings: options.settings, limits: options.limits }),
          activate: isActive,
          now: options.now ?? NOW,
        });
      }

      it('allocates ids in blocks: consecutive from 1, across a block, never twice under concurrency', async () => {
        expect(await catalog.allocateObjectIds(3)).toEqual([1, 2, 3]);
        expect(await catalog.allocateTaskIds(2)).toEqual([1, 2]);
        const crossing = await catalog.allocateObjectIds(1000);
        expect(crossing).toEqual(Array.from({ length: 1000 }, (_, i) => i + 4));
        const [a, b] = await Promise.all([catalog.allocateTaskIds(700), catalog.allocateTaskIds(700)]);
        const all = [...(a ?? []), ...(b ?? [])];
        expect(new Set(all).size).toBe(1400);
        expect(Math.min(...all)).toBe(3);
        expect(all.every((id) => id >= 3 && id <= 3000)).toBe(true);
      });

      it('creates a workflow with its version and reads both back exactly', async () => {
        const version = await newVersion({ settings: { calloutTrigger: true, priority: 'High', deleteTtl: 30 } });
        const [id] = await catalog.allocateObjectIds(1);
        if (id === undefined) throw new Error('no id allocated');
        const created = await catalog.createWorkflow({
          id,
          name: 'Orders',
          description: 'takes orders',
          status: 'Active',
          credentials: CREDENTIALS,
          version,
          activate: true,
          now: NOW,
        });
        const workflow: WorkflowRecord = {
          id,
          name: 'Orders',
          description: 'takes orders',
          status: 'Active',
          activeVersionId: version.id,
          credentials: CREDENTIALS,
          runCount: 0,
          lastRunAt: null,
          createdAt: NOW,
          updatedAt: NOW,
        };
        expect(created).toEqual({
          workflow,
          version: { ...version, workflowId: id, createdAt: NOW, updatedAt: NOW },
        });
        expect(await catalog.getWorkflow(id)).toEqual(workflow);
        expect(await catalog.getVersion(version.id)).toEqual(created.version);
        expect(await catalog.listVersions(id)).toEqual([created.version]);
        expect(await catalog.getCurrentVersion(id)).toEqual(created.version);
        expect(await catalog.getWorkflow(999_999)).toBeUndefined();
        expect(await catalog.getVersion(999_999)).toBeUndefined();

        const inactive = await createWorkflow('Drafts', { activate: false });
        expect(inactive.workflow).toMatchObject({ status: 'Inactive', activeVersionId: null });
        expect(await catalog.getCurrentVersion(inactive.workflow.id)).toEqual(inactive.version);
      });

      it('keeps task limits below the "no limit" value, and replaces them when a version is edited', async () => {
        const { version } = await createWorkflow('Limited', { activate: false, limits: [3, 9_999_999, 5] });
        const limits = () =>
          sql('SELECT task_id, concurrent_limit FROM task_limits WHERE version_id = ? ORDER BY task_id', [version.id]);
        const [first, , third] = version.document.tasks.map((task) => Number(task.id));
        expect(await limits()).toEqual([
          { task_id: first, concurrent_limit: 3 },
          { task_id: third, concurrent_limit: 5 },
        ]);
        const document = workflowDocument('edited', [{ id: first ?? 0, limit: 7 }]);
        const edited = await catalog.editVersion({
          versionId: version.id,
          settings: settings(),
          document,
          now: NOW + 1,
        });
        expect(edited.kind).toBe('edited');
        expect(await limits()).toEqual([{ task_id: first, concurrent_limit: 7 }]);
      });

      it('lists workflows by the current version, by name (any case, wildcards literal), in pages', async () => {
        const alpha = await createWorkflow('lw-Alpha', {
          settings: { calloutTrigger: true, scheduledTrigger: true, interval: '0 * * * *', timezone: 'UTC' },
        });
        const beta = await createWorkflow('lw-beta', { settings: { ondemandTrigger: true } });
        const underscore = await createWorkflow('lw-x_y');
        const plain = await createWorkflow('lw-xzy%');
        // No active version: its latest version counts, here one with the callout trigger on.
        const draft = await createWorkflow('lw-draft', { activate: false });
        const latest = await newVersion({ version: '2', settings: { calloutTrigger: true } });
        expect(
          await catalog.createVersion({
            workflowId: draft.workflow.id,
            version: latest,
            expectedLatestVersionId: draft.version.id,
            activate: false,
            now: NOW,
          }),
        ).toMatchObject({ kind: 'created' });
        // An active version with the callout trigger on, and a newer inactive one without: the active one counts.
        const pinned = await createWorkflow('lw-pinned', { settings: { calloutTrigger: true } });
        await catalog.createVersion({
          workflowId: pinned.workflow.id,
          version: await newVersion({ version: '2' }),
          expectedLatestVersionId: pinned.version.id,
          activate: false,
          now: NOW,
        });
        const gone = await createWorkflow('lw-gone', { settings: { calloutTrigger: true } });
        await catalog.deleteWorkflow(gone.workflow.id, NOW);

        const ids = async (filter: Parameters<CatalogStore['listWorkflows']>[0], page = PAGE) =>
          (await catalog.listWorkflows(filter, page)).map((workflow) => workflow.id);
        const all = [alpha, beta, underscore, plain, draft, pinned].map((created) => created.workflow.id);
        expect(await ids({ name: 'LW-' })).toEqual(all);
        expect(await ids({ name: 'lw-', calloutTrigger: true })).toEqual([
          alpha.workflow.id,
          draft.workflow.id,
          pinned.workflow.id,
        ]);
        expect(await ids({ name: 'lw-', calloutTrigger: false })).toEqual([
          beta.workflow.id,
          underscore.workflow.id,
          plain.workflow.id,
        ]);
        expect(await ids({ name: 'lw-', ondemandTrigger: true })).toEqual([beta.workflow.id]);
        expect(await ids({ name: 'lw-', scheduledTrigger: true, interval: '0 * * * *' })).toEqual([alpha.workflow.id]);
        expect(await ids({ name: 'lw-', interval: '5 * * * *' })).toEqual([]);
        expect(await ids({ name: 'x_y' })).toEqual([underscore.workflow.id]);
        expect(await ids({ name: 'y%' })).toEqual([plain.workflow.id]);
        expect(await ids({ name: 'lw-' }, { offset: 1, limit: 2 })).toEqual(all.slice(1, 3));
        expect(await catalog.listWorkflows({ name: 'lw-alpha' }, PAGE)).toEqual([alpha.workflow]);
      });

      it('updates a workflow field by field; a deleted or missing one is not updated', async () => {
        const { workflow, version } = await createWorkflow('Patched', { activate: false });
        expect(await catalog.updateWorkflow(workflow.id, { name: 'Renamed' }, NOW + 10)).toEqual({
          ...workflow,
          name: 'Renamed',
          updatedAt: NOW + 10,
        });
        const patched = await catalog.updateWorkflow(
          workflow.id,
          { description: 'new', status: 'Active', activeVersionId: version.id },
          NOW + 20,
        );
        expect(patched).toEqual({
          ...workflow,
          name: 'Renamed',
          description: 'new',
          status: 'Active',
          activeVersionId: version.id,
          updatedAt: NOW + 20,
        });
        expect(await catalog.getWorkflow(workflow.id)).toEqual(patched);
        expect(await catalog.updateWorkflow(999_999, { name: 'x' }, NOW)).toBeUndefined();

        const credentials = { apiTokenSealed: 'rotated', basicUsername: 'other', basicPasswordSealed: 'sealed-2' };
        expect(await catalog.setCredentials(workflow.id, credentials, NOW + 30)).toEqual({
          ...patched,
          credentials,
          updatedAt: NOW + 30,
        });

        expect(await catalog.deleteWorkflow(workflow.id, NOW + 40)).toBe(true);
        expect(await catalog.deleteWorkflow(workflow.id, NOW + 50)).toBe(false);
        expect(await catalog.deleteWorkflow(999_999, NOW)).toBe(false);
        expect(await catalog.getWorkflow(workflow.id)).toBeUndefined();
        expect(await catalog.getVersion(version.id)).toBeUndefined();
        expect(await catalog.getCurrentVersion(workflow.id)).toBeUndefined();
        expect(await catalog.updateWorkflow(workflow.id, { name: 'late' }, NOW + 60)).toBeUndefined();
        expect(await catalog.setCredentials(workflow.id, CREDENTIALS, NOW + 60)).toBeUndefined();
        expect(await sql('SELECT name, deleted_at, updated_at FROM workflows WHERE id = ?', [workflow.id])).toEqual([
          { name: 'Renamed', deleted_at: NOW + 40, updated_at: NOW + 40 },
        ]);
      });

      it('adds versions compare-and-set on the latest version id: stale, taken, missing, created', async () => {
        const { workflow, version: first } = await createWorkflow('Versioned', { activate: false });
        const second = await newVersion({ version: '2' });
        const add = (version: NewVersion, expected: number | null, activate = false, now = NOW + 5) =>
          catalog.createVersion({ workflowId: workflow.id, version, expectedLatestVersionId: expected, activate, now });

        expect(await add(second, null)).toEqual({ kind: 'stale' });
        expect(await add(second, first.id + 1_000_000)).toEqual({ kind: 'stale' });
        const created = await add(second, first.id);
        expect(created).toEqual({
          kind: 'created',
          version: { ...second, workflowId: workflow.id, createdAt: NOW + 5, updatedAt: NOW + 5 },
        });
        // The caller checked against the first version: someone added the second meanwhile.
        expect(await add(await newVersion({ version: '3' }), first.id)).toEqual({ kind: 'stale' });
        expect(await catalog.getWorkflow(workflow.id)).toEqual(workflow);
        expect(await catalog.getCurrentVersion(workflow.id)).toEqual(created.kind === 'created' && created.version);

        // A deleted version keeps its version string.
        expect(await catalog.deleteVersion(second.id, NOW + 6)).toMatchObject({ kind: 'deleted' });
        expect(await add(await newVersion({ version: '2' }), first.id)).toEqual({ kind: 'taken' });
        expect(
          await catalog.createVersion({
            workflowId: 999_999,
            version: await newVersion({ version: '9' }),
            expectedLatestVersionId: null,
            activate: false,
            now: NOW,
          }),
        ).toEqual({ kind: 'missing' });

        const third = await newVersion({ version: '3' });
        const activated = await add(third, first.id, true, NOW + 7);
        expect(activated).toMatchObject({ kind: 'created', version: { id: third.id, workflowId: workflow.id } });
        expect(await catalog.getWorkflow(workflow.id)).toEqual({
          ...workflow,
          status: 'Active',
          activeVersionId: third.id,
          updatedAt: NOW + 7,
        });
        expect((await catalog.listVersions(workflow.id)).map((version) => version.id)).toEqual([first.id, third.id]);
      });

      it('lets only one of two racing version additions pass the compare-and-set', async () => {
        const { workflow, version } = await createWorkflow('Racing', { activate: false });
        const [a, b] = [await newVersion({ version: 'a' }), await newVersion({ version: 'b' })];
        const outcomes = await Promise.all(
          [a, b].map((candidate) =>
            catalog.createVersion({
              workflowId: workflow.id,
              version: candidate,
              expectedLatestVersionId: version.id,
              activate: true,
              now: NOW,
            }),
          ),
        );
        expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['created', 'stale']);
        expect(await catalog.listVersions(workflow.id)).toHaveLength(2);
      });

      it('deletes versions: never the active one nor the only one; a deleted one reads as missing', async () => {
        const { workflow, version: active } = await createWorkflow('Pruned');
        expect(await catalog.deleteVersion(active.id, NOW + 1)).toEqual({ kind: 'active' });
        const lone = await createWorkflow('Lone', { activate: false });
        expect(await catalog.deleteVersion(lone.version.id, NOW + 1)).toEqual({ kind: 'only-version' });
        expect(await catalog.deleteVersion(999_999, NOW + 1)).toEqual({ kind: 'missing' });

        const old = await newVersion({ version: '2' });
        await catalog.createVersion({
          workflowId: workflow.id,
          version: old,
          expectedLatestVersionId: active.id,
          activate: false,
          now: NOW + 2,
        });
        expect(await catalog.deleteVersion(old.id, NOW + 3)).toEqual({
          kind: 'deleted',
          version: { ...old, workflowId: workflow.id, createdAt: NOW + 2, updatedAt: NOW + 2 },
        });
        expect(await catalog.deleteVersion(old.id, NOW + 4)).toEqual({ kind: 'missing' });
        // Runs that used it still read it.
        expect(await catalog.getVersion(old.id)).toMatchObject({ id: old.id, updatedAt: NOW + 3 });
        expect((await catalog.listVersions(workflow.id)).map((version) => version.id)).toEqual([active.id]);
        // The latest live version id went back: a caller must check against it.
        const next = await newVersion({ version: '3' });
        expect(
          await catalog.createVersion({
            workflowId: workflow.id,
            version: next,
            expectedLatestVersionId: old.id,
            activate: false,
            now: NOW,
          }),
        ).toEqual({ kind: 'stale' });
      });

      it('edits an inactive version, refuses the active one, and updates settings in place', async () => {
        const { workflow, version: active } = await createWorkflow('Edited');
        const draft = await newVersion({ version: '2' });
        await catalog.createVersion({
          workflowId: workflow.id,
          version: draft,
          expectedLatestVersionId: active.id,
          activate: false,
          now: NOW,
        });
        const changed = settings({ syncTrigger: true, concurrentRunLimit: 4, activeScheduledRunCheck: false });
        const document = workflowDocument('rewritten', [{ id: Number(draft.document.tasks[0]?.id) }]);
        expect(await catalog.editVersion({ versionId: active.id, settings: changed, document, now: NOW + 1 })).toEqual({
          kind: 'active',
        });
        expect(await catalog.getVersion(active.id)).toEqual(active);
        const edited = {
          ...draft,
          workflowId: workflow.id,
          settings: changed,
          document,
          createdAt: NOW,
          updatedAt: NOW + 1,
        };
        expect(await catalog.editVersion({ versionId: draft.id, settings: changed, document, now: NOW + 1 })).toEqual({
          kind: 'edited',
          version: edited,
        });
        expect(await catalog.getVersion(draft.id)).toEqual(edited);
        expect(await catalog.editVersion({ versionId: 999_999, settings: changed, document, now: NOW })).toEqual({
          kind: 'missing',
        });

        const tuned = settings({ priority: 'Low', deleteTtl: 7, interval: '*/5 * * * *', timezone: 'Europe/Paris' });
        expect(await catalog.updateVersionSettings(active.id, tuned, document, NOW + 2)).toEqual({
          ...active,
          settings: tuned,
          document,
          updatedAt: NOW + 2,
        });
        expect(await catalog.updateVersionSettings(999_999, tuned, document, NOW + 2)).toBeUndefined();
      });

      it('lists the schedules of active workflows whose active version has a full scheduled trigger', async () => {
        const scheduled = { scheduledTrigger: true, interval: '0 * * * *', timezone: 'UTC' };
        const hourly = await createWorkflow('s-hourly', { settings: scheduled });
        const daily = await createWorkflow('s-daily', {
          settings: { ...scheduled, interval: '0 6 * * *', timezone: 'Europe/Paris', activeScheduledRunCheck: false },
        });
        const paused = await createWorkflow('s-paused', { settings: scheduled });
        await catalog.updateWorkflow(paused.workflow.id, { status: 'Inactive' }, NOW);
        const noZone = await createWorkflow('s-nozone', { settings: { ...scheduled, timezone: '' } });
        const off = await createWorkflow('s-off', { settings: { ...scheduled, scheduledTrigger: false } });
        const gone = await createWorkflow('s-gone', { settings: scheduled });
        await catalog.deleteWorkflow(gone.workflow.id, NOW);
        const mine = [hourly, daily, paused, noZone, off, gone].map((created) => created.workflow.id);

        // The anchor is the later of the workflow's and its active version's last change.
        await catalog.updateWorkflow(hourly.workflow.id, { description: 'touched' }, NOW + 50);
        await catalog.updateVersionSettings(daily.version.id, daily.version.settings, daily.version.document, NOW + 70);
        for (const at of [NOW + 1000, NOW + 3000, NOW + 2000]) {
          await sql(
            `INSERT INTO schedule_fires (workflow_id, scheduled_at, version_id, outcome, fired_by, created_at)
           VALUES (?, ?, ?, 'Started', 'node-a', ?)`,
            [hourly.workflow.id, at, hourly.version.id, at],
          );
        }
        const schedules = (await catalog.listSchedules()).filter((schedule) => mine.includes(schedule.workflowId));
        expect(schedules).toEqual([
          {
            workflowId: hourly.workflow.id,
            versionId: hourly.version.id,
            interval: '0 * * * *',
            timezone: 'UTC',
            lastFireAt: NOW + 3000,
            anchorAt: NOW + 50,
            activeScheduledRunCheck: true,
          },
          {
            workflowId: daily.workflow.id,
            versionId: daily.version.id,
            interval: '0 6 * * *',
            timezone: 'Europe/Paris',
            lastFireAt: null,
            anchorAt: NOW + 70,
            activeScheduledRunCheck: false,
          },
        ]);
      });

      it('creates, upserts, lists, revokes and counts OAuth clients', async () => {
        const client = (clientId: string, createdAt: number, extra: Partial<ClientRecord> = {}): ClientRecord => ({
          clientId,
          name: `client ${clientId}`,
          secretHash: `hash-${clientId}`,
          scopes: ['workflows:read', 'runs:write'],
          createdAt,
          revokedAt: null,
          ...extra,
        });
        expect(await catalog.countClients()).toBe(0);
        await catalog.createClient(client('b-client', NOW));
        await catalog.createClient(client('B-client', NOW));
        await catalog.createClient(client('a-client', NOW + 1, { scopes: [] }));
        await expect(catalog.createClient(client('a-client', NOW + 2))).rejects.toThrow();
        expect(await catalog.getClient('b-client')).toEqual(client('b-client', NOW));
        expect(await catalog.getClient('a-client')).toEqual(client('a-client', NOW + 1, { scopes: [] }));
        expect(await catalog.getClient('nobody')).toBeUndefined();
        // By creation time, then client id byte by byte (upper case first).
        expect((await catalog.listClients()).map((c) => c.clientId)).toEqual(['B-client', 'b-client', 'a-client']);
        expect(await catalog.countClients()).toBe(3);

        expect(await catalog.revokeClient('b-client', NOW + 5)).toBe(true);
        expect(await catalog.revokeClient('b-client', NOW + 6)).toBe(false);
        expect(await catalog.revokeClient('nobody', NOW + 6)).toBe(false);
        expect(await catalog.getClient('b-client')).toEqual(client('b-client', NOW, { revokedAt: NOW + 5 }));
        expect(await catalog.countClients()).toBe(2);

        // An upsert replaces name, secret and scopes, lifts a revocation, and keeps the creation time.
        await catalog.upsertClient(
          client('b-client', NOW + 9, { name: 'renewed', secretHash: 'h2', scopes: ['admin'] }),
        );
        expect(await catalog.getClient('b-client')).toEqual(
          client('b-client', NOW, { name: 'renewed', secretHash: 'h2', scopes: ['admin'] }),
        );
        await catalog.upsertClient(client('c-client', NOW + 9));
        expect(await catalog.getClient('c-client')).toEqual(client('c-client', NOW + 9));
        expect(await catalog.countClients()).toBe(4);
        expect(await catalog.listClients()).toHaveLength(4);
      });

      describe('read model', () => {
        const DAY = 24 * 3600 * 1000;
        /** 2001-01-01T00:00:00Z */
        const T0 = Date.UTC(2001, 0, 1);
        let workflowId: number;
        let otherWorkflowId: number;
        const runIds: number[] = [];
        const instanceIds: number[] = [];

        async function insertRun(id: number, values: Record<string, string | number | null>): Promise<void> {
          const row = {
            id,
            workflow_id: workflowId,
            version_id: 77,
            seq: 1,
            status: 'Queued',
            result: null,
            mode: 'standard',
            priority: 'Medium',
            inputs: '{}',
            run_user: 'reader',
            created_at: T0,
            updated_at: T0,
            ...values,
          };
          const columns = Object.keys(row);
          await sql(
            `INSERT INTO runs (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
            Object.values(row),
          );
        }

        async function insertInstance(id: number, values: Record<string, string | number | null>): Promise<void> {
          const row = {
            id,
            run_id: runIds[0] ?? 0,
            workflow_id: workflowId,
            version_id: 77,
            task_id: 11,
            name: 'Fetch',
            action_type: 'Integration::Callout',
            status: 'Success',
            priority_rank: 1,
            created_at: T0,
            updated_at: T0,
            ...values,
          };
          const columns = Object.keys(row);
          await sql(
            `INSERT INTO task_instances (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
            Object.values(row),
          );
        }

        beforeAll(async () => {
          [workflowId = 0, otherWorkflowId = 0] = await catalog.allocateObjectIds(2);
          runIds.push(...(await catalog.allocateObjectIds(5)));
          instanceIds.push(...(await catalog.allocateTaskIds(6)));
          const [r0, r1, r2, r3, r4] = runIds as [number, number, number, number, number];
          await insertRun(r0, {
            seq: 7,
            status: 'Finished',
            result: 'Success',
            mode: 'sync',
            priority: 'High',
            inputs: '{"order":{"id":5}}',
            previous_run_at: T0 - 1,
            response: '{"code":201,"body":{"ok":true}}',
            response_result: 'Success',
            error_class: 'Timeout',
            error_message: 'slow',
            idempotency_key: 'key-1',
            idempotency_digest: 'digest-1',
            parent_task_instance_id: 99,
            depth: 2,
            started_at: T0 + 1,
            finished_at: T0 + 2,
          });
          await insertRun(r1, { seq: 8, status: 'Processing' });
          await insertRun(r2, { seq: 9, status: 'Pending' });
          await insertRun(r3, { seq: 10, status: 'Stopping' });
          await insertRun(r4, { seq: 1, status: 'Processing', workflow_id: otherWorkflowId });

          const [i0, i1, i2, i3, i4, i5] = instanceIds as [number, number, number, number, number, number];
          await insertInstance(i0, {
            status: 'Error',
            previous_id: 3,
            data_in: '{"a":1}',
            data_out: '{"b":2}',
            state: '{"retries":1}',
            attempt: 2,
            due_at: T0 + 9,
            error: 'boom',
            error_class: 'HttpError',
            error_details: 'status 500',
            log: 'line\n',
            iteration_parent_id: 4,
            iteration_index: 0,
            iterations_done: 3,
            waiting_on: 'retry',
            is_unhandled_error: 1,
            rerun_of: 2,
            rerun_by: i5,
            started_at: T0 + 3,
            ended_at: T0 + 4,
          });
          await insertInstance(i1, { status: 'Success', name: 'Answer', action_type: 'Logic::ResponseFormatter' });
          await insertInstance(i2, { status: 'Pending', created_at: T0 + DAY });
          await insertInstance(i3, { status: 'Queued', created_at: T0 + DAY + 5 });
          await insertInstance(i4, { status: 'Processing', run_id: r1, created_at: T0 + 3 * DAY });
          await insertInstance(i5, { status: 'Error', rerun_of: i0, created_at: T0 + 3 * DAY - 1 });
        });

        it('reads a run with every field mapped, and lists runs newest first by workflow and status', async () => {
          const [r0, r1, r2, r3, r4] = runIds as [number, number, number, number, number];
          expect(await reads.getRun(r0)).toEqual({
            id: r0,
            workflowId,
            versionId: 77,
            name: `WF-${workflowId}-00000007`,
            status: 'Finished',
            result: 'Success',
            mode: 'sync',
            priority: 'High',
            inputs: { order: { id: 5 } },
            runUser: 'reader',
            previousRunAt: T0 - 1,
            response: { code: 201, body: { ok: true } },
            responseResult: 'Success',
            errorClass: 'Timeout',
            errorMessage: 'slow',
            parentTaskInstanceId: 99,
            depth: 2,
            createdAt: T0,
            updatedAt: T0,
            startedAt: T0 + 1,
            finishedAt: T0 + 2,
            idempotencyKey: 'key-1',
            idempotencyDigest: 'digest-1',
          });
          expect(await reads.getRun(r1)).toMatchObject({ result: null, response: null, depth: 0, startedAt: null });
          expect(await reads.getRun(999_999)).toBeUndefined();

          const ids = async (filter: Parameters<RunReadModel['listRuns']>[0], page = PAGE) =>
            (await reads.listRuns(filter, page)).map((run) => run.id);
          expect(await ids({ workflowId })).toEqual([r3, r2, r1, r0]);
          expect(await ids({ workflowId, status: 'Processing' })).toEqual([r1]);
          expect(await ids({ status: 'Processing' })).toEqual([r4, r1]);
          expect(await ids({ workflowId: otherWorkflowId })).toEqual([r4]);
          expect(await ids({ workflowId }, { offset: 1, limit: 2 })).toEqual([r2, r1]);
          expect(await ids({ workflowId, status: 'Stopped' })).toEqual([]);
          expect(await ids({}, { offset: 0, limit: 2 })).toEqual([r4, r3]);
        });

        it('counts in-flight runs of a workflow and task instances of a run (reruns replace what they rerun)', async () => {
          const [r0, r1] = runIds as [number, number];
          expect(await reads.countActiveRuns(workflowId)).toBe(3);
          expect(await reads.countActiveRuns(otherWorkflowId)).toBe(1);
          expect(await reads.countActiveRuns(999_999)).toBe(0);
          expect(await reads.countTasks(r0)).toEqual({
            total: 4,
            queued: 1,
            processing: 0,
            pending: 1,
            stopped: 0,
            success: 1,
            error: 1,
          });
          expect(await reads.countTasks(r1)).toEqual({
            total: 1,
            queued: 0,
            processing: 1,
            pending: 0,
            stopped: 0,
            success: 0,
            error: 0,
          });
        });

        it('sums the time the task instances of a run took, those without an end left out', async () => {
          const [r0, r1] = runIds as [number, number];
          const [, , , , , i5] = instanceIds as [number, number, number, number, number, number];
          expect(await reads.taskExecutionMs(r0)).toBe(1);
          expect(await reads.taskExecutionMs(r1)).toBe(0);
          await sql('UPDATE task_instances SET started_at = ?, ended_at = ? WHERE id = ?', [T0 + 10, T0 + 2_510, i5]);
          expect(await reads.taskExecutionMs(r0)).toBe(2_501);
          expect(await reads.taskExecutionMs(999_999)).toBe(0);
          // As it was, for the tests after this one.
          await sql('UPDATE task_instances SET started_at = NULL, ended_at = NULL WHERE id = ?', [i5]);
        });

        it('reads task instances with every field mapped, by run, and across runs with filters and pages', async () => {
          const [r0, r1] = runIds as [number, number];
          const [i0, i1, i2, i3, i4, i5] = instanceIds as [number, number, number, number, number, number];
          expect(await reads.getTaskInstance(i0)).toEqual({
            id: i0,
            runId: r0,
            workflowId,
            versionId: 77,
            taskId: 11,
            name: 'Fetch',
            actionType: 'Integration::Callout',
            status: 'Error',
            previousId: 3,
            // Stored whole, as rows written before Data was stored as changes: read as they are.
            storedData: { baseId: null, inPatch: null, inWhole: '{"a":1}', outPatch: null, outWhole: '{"b":2}' },
            dataIn: { a: 1 },
            dataOut: { b: 2 },
            state: { retries: 1 },
            attempt: 2,
            dueAt: T0 + 9,
            error: 'boom',
            errorClass: 'HttpError',
            errorDetails: 'status 500',
            log: 'line\n',
            iterationParentId: 4,
            iterationIndex: 0,
            iterationsDone: 3,
            waitingOn: 'retry',
            isUnhandledError: true,
            rerunOf: 2,
            rerunBy: i5,
            startedAt: T0 + 3,
            endedAt: T0 + 4,
            createdAt: T0,
            updatedAt: T0,
          });
          // A first task of its run: its input Data is the run's initial Data, derived from the run's inputs.
          expect(await reads.getTaskInstance(i1)).toMatchObject({
            dataIn: {
              Workflow: {
                ExecutionDate: new Date(T0).toISOString().slice(0, 10),
                WorkflowRunUser: 'reader',
                LastRunDate: new Date(T0 - 1).toISOString().slice(0, 10),
              },
              order: { id: 5 },
            },
            dataOut: null,
            state: null,
            attempt: 1,
            iterationsDone: 0,
            isUnhandledError: false,
            rerunBy: null,
          });
          expect(await reads.getTaskInstance(999_999)).toBeUndefined();
          expect((await reads.listTaskInstances(r0)).map((instance) => instance.id)).toEqual([i0, i1, i2, i3, i5]);
          expect(await reads.listTaskInstances(999_999)).toEqual([]);

          const ids = async (filter: Parameters<RunReadModel['findTaskInstances']>[0], page = PAGE) =>
            (await reads.findTaskInstances(filter, page)).map((instance) => instance.id);
          expect(await ids({ runId: r0 })).toEqual([i5, i3, i2, i1, i0]);
          expect(await ids({ runId: r1 })).toEqual([i4]);
          expect(await ids({ id: i2 })).toEqual([i2]);
          expect(await ids({ name: 'Answer' })).toEqual([i1]);
          expect(await ids({ actionType: 'Integration::Callout', status: 'Error' })).toEqual([i5, i0]);
          expect(await ids({ runId: r0, name: 'Fetch', status: 'Pending' })).toEqual([i2]);
          expect(await ids({ runId: r0 }, { offset: 1, limit: 3 })).toEqual([i3, i2, i1]);
          expect(await ids({ name: 'fetch' })).toEqual([]);
        });
      });
    },
  );
}
