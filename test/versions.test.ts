import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VersionCache } from '../src/engine/version-cache.js';
import { VersionCatalog } from '../src/management/version-catalog.js';
import { WorkflowCatalog } from '../src/management/workflow-catalog.js';
import type { WorkflowDocument } from '../src/model/workflow-document.js';
import { SecretBox } from '../src/secrets/secret-box.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { expectErrorEnvelope } from './helpers/assertions.js';
import type { JsonBody } from './helpers/http.js';
import { expectRunSucceeds, getRun } from './helpers/runs.js';
import { must, setupWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, TEST_SECRET_KEY, type TestWeir } from './helpers/start-weir.js';
import { link, responseFormatterWorkflow, start, task, workflowDocument } from './helpers/workflows.js';

/**
 * issue 4 "Versions": import a version (`version` required and greater than every existing one,
 * `activate`), list, delete (403 for the active one), activate through PATCH, the active version never
 * edited, `GET /workflows` with `active_version` and `latest_inactive_verisons`, export → import → export.
 */

let weir: TestWeir;

beforeAll(async () => {
  weir = await startTestWeir({}, { hasBackgroundTimers: false });
});

afterAll(async () => {
  await weir?.close();
});

/** A document that answers `{"version": "<label>"}` on /sync, so a trigger shows which version ran. */
function labelled(label: string, name?: string): WorkflowDocument {
  return responseFormatterWorkflow({ template: `{"version": "${label}"}`, ...(name ? { name } : {}) });
}

async function importVersion(id: number, query: string, document: WorkflowDocument) {
  return weir.api('POST', `/workflows/${id}/versions/import${query}`, document);
}

describe('importing versions', () => {
  it('adds a version (inactive by default, active with activate=true); triggers run the active one', async () => {
    const workflow = await setupWorkflow(weir, labelled('one'));
    expect((await workflow.sync()).body).toEqual({ version: 'one' });

    const second = await importVersion(workflow.id, '?version=0.0.2', labelled('two'));
    expect(second.status, second.text).toBe(200);
    expect(second.body.id).toBe(workflow.id);
    expect(second.body.active_version.version).toBe('0.0.1');
    expect(second.body.latest_inactive_verisons.map((v: JsonBody) => v.version)).toEqual(['0.0.2']);
    // Not active: the trigger still runs 0.0.1.
    expect((await workflow.sync()).body).toEqual({ version: 'one' });

    const third = await importVersion(workflow.id, '?version=0.0.10&activate=true', labelled('ten'));
    expect(third.status, third.text).toBe(200);
    expect(third.body.status).toBe('Active');
    expect(third.body.active_version).toMatchObject({ version: '0.0.10', type: 'Workflow::Setup', status: 'Active' });
    // The active version's settings apply: its file turns callout and sync on.
    expect((await workflow.sync()).body).toEqual({ version: 'ten' });

    const listed = must(await weir.api('GET', `/workflows/${workflow.id}/versions`), 200, 'versions');
    expect(listed.data.map((v: JsonBody) => [v.version, v.status])).toEqual([
      ['0.0.1', 'Inactive'],
      ['0.0.2', 'Inactive'],
      ['0.0.10', 'Active'],
    ]);
    for (const v of listed.data) {
      expect(v).toMatchObject({ type: 'Workflow::Setup', name: expect.any(String), createdAt: expect.any(String) });
    }
  });

  it('requires version, a version number greater than every existing one (compared as numbers)', async () => {
    const workflow = await setupWorkflow(weir, labelled('base'));
    const doc = labelled('x');
    expectErrorEnvelope(await importVersion(workflow.id, '', doc), 400, { field: 'version' });
    expectErrorEnvelope(await importVersion(workflow.id, '?version=latest', doc), 400, { field: 'version' });
    expectErrorEnvelope(await importVersion(workflow.id, '?version=0.0.1', doc), 400, { field: 'version' });
    expectErrorEnvelope(await importVersion(workflow.id, '?version=0.0.0', doc), 400, { field: 'version' });
    must(await importVersion(workflow.id, '?version=0.0.9', doc), 200, 'import 0.0.9');
    // 0.0.10 > 0.0.9 as numbers (as strings it would be smaller).
    must(await importVersion(workflow.id, '?version=0.0.10', doc), 200, 'import 0.0.10');
    expectErrorEnvelope(await importVersion(workflow.id, '?version=0.0.9', doc), 400, { field: 'version' });
    expectErrorEnvelope(await importVersion(workflow.id, '?version=0.0.11&activate=maybe', doc), 400, {
      field: 'activate',
    });
    // A bad file stores nothing.
    const bad = await importVersion(workflow.id, '?version=0.1.0', { ...doc, tasks: [] });
    expectErrorEnvelope(bad, 400);
    const listed = must(await weir.api('GET', `/workflows/${workflow.id}/versions`), 200, 'versions');
    expect(listed.data.map((v: JsonBody) => v.version)).toEqual(['0.0.1', '0.0.9', '0.0.10']);
    expectErrorEnvelope(await importVersion(999_999_999, '?version=1.0.0', doc), 404);
  });
});

describe('activating and deleting versions', () => {
  it('PATCH active_workflow_version_id activates a version; the active one cannot be deleted (403)', async () => {
    const workflow = await setupWorkflow(weir, labelled('one'));
    const imported = must(await importVersion(workflow.id, '?version=0.0.2', labelled('two')), 200, 'import');
    const v2 = imported.latest_inactive_verisons[0].id as number;
    const v1 = imported.active_version.id as number;

    const patched = must(
      await weir.api('PATCH', `/workflows/${workflow.id}`, { active_workflow_version_id: v2 }),
      200,
      'activate 0.0.2',
    );
    expect(patched.active_version).toMatchObject({ id: v2, version: '0.0.2' });
    expect(patched.latest_inactive_verisons.map((v: JsonBody) => v.id)).toEqual([v1]);
    // The trigger target cache was dropped: the next trigger runs 0.0.2.
    expect((await workflow.sync()).body).toEqual({ version: 'two' });

    const refused = await weir.api('DELETE', `/workflows/versions/${v2}`);
    expectErrorEnvelope(refused, 403, { title: 'Cannot delete the active version of a workflow.' });
    expect(refused.body.errors[0].code).toBe('invalid');

    const deleted = await weir.api('DELETE', `/workflows/versions/${v1}`);
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body).toEqual({ success: true, id: v1 });
    expectErrorEnvelope(await weir.api('DELETE', `/workflows/versions/${v1}`), 404);
    const listed = must(await weir.api('GET', `/workflows/${workflow.id}/versions`), 200, 'versions');
    expect(listed.data.map((v: JsonBody) => v.id)).toEqual([v2]);
    const stale = await weir.api('PATCH', `/workflows/${workflow.id}`, { active_workflow_version_id: v1 });
    expect(stale.status, stale.text).toBe(422);
    expect(stale.body.reasons[0].fieldName).toBe('active_workflow_version_id');
    // The version string of a deleted version stays taken.
    expectErrorEnvelope(await importVersion(workflow.id, '?version=0.0.1', labelled('again')), 400, {
      field: 'version',
    });
  });

  it('a run of a deleted version still reads it', async () => {
    const document = workflowDocument({
      tasks: [task.delay(1, 'Wait', 1), task.liquid(2, 'After', '{% assign done = "yes" %}')],
      linkages: [start(1), link(1, 2)],
    });
    const workflow = await setupWorkflow(weir, document);
    const run = must(await workflow.run(), 200, 'run');
    const imported = must(
      await importVersion(workflow.id, '?version=0.0.2&activate=true', labelled('two')),
      200,
      'import',
    );
    const old = imported.latest_inactive_verisons[0].id as number;
    must(await weir.api('DELETE', `/workflows/versions/${old}`), 200, 'delete the old version');
    const finished = await expectRunSucceeds(weir, run.id);
    expect(finished.tasks.success).toBe(2);
  });

  it('the only version of a workflow cannot be deleted', async () => {
    const workflow = await setupWorkflow(weir, labelled('only'), { activate: false, triggers: null });
    const versions = must(await weir.api('GET', `/workflows/${workflow.id}/versions`), 200, 'versions');
    expectErrorEnvelope(await weir.api('DELETE', `/workflows/versions/${versions.data[0].id}`), 403);
  });
});

describe('GET /workflows', () => {
  it('shows active_version and up to 10 latest inactive versions, newest first', async () => {
    const name = `versions list ${process.pid}-${Date.now()}`;
    const workflow = await setupWorkflow(weir, labelled('v1', name));
    for (let minor = 1; minor <= 11; minor += 1) {
      must(await importVersion(workflow.id, `?version=0.${minor}.0`, labelled(`m${minor}`, name)), 200, 'import');
    }
    const list = must(await weir.api('GET', `/workflows?name=${encodeURIComponent(name)}`), 200, 'list');
    expect(list.data).toHaveLength(1);
    const [listed] = list.data;
    expect(listed.active_version).toMatchObject({ version: '0.0.1', status: 'Active', type: 'Workflow::Setup' });
    expect(listed.latest_inactive_verisons).toHaveLength(10);
    expect(listed.latest_inactive_verisons.map((v: JsonBody) => v.version)).toEqual(
      [11, 10, 9, 8, 7, 6, 5, 4, 3, 2].map((minor) => `0.${minor}.0`),
    );
    expect(listed.latest_inactive_verisons[0]).toMatchObject({
      status: 'Inactive',
      type: 'Workflow::Setup',
      priority: 'Medium',
      ondemandTrigger: true,
    });
  });
});

describe('export', () => {
  /** The document without what import assigns: ids and the version number. */
  function withoutIds(document: JsonBody): JsonBody {
    const taskIds = new Map<unknown, number>(document.tasks.map((t: JsonBody, i: number) => [t.id, i]));
    return {
      ...document,
      workflow: { ...document.workflow, id: undefined, version: undefined },
      tasks: document.tasks.map((t: JsonBody) => ({ ...t, id: taskIds.get(t.id) })),
      linkages: document.linkages.map((l: JsonBody) => ({
        ...l,
        source_workflow_id: undefined,
        source_task_id: l.source_task_id === null ? null : taskIds.get(l.source_task_id),
        target_task_id: taskIds.get(l.target_task_id),
      })),
    };
  }

  it('version=latest|<n>; export → import → export gives the same document but for ids', async () => {
    const original = workflowDocument({
      tasks: [
        { ...task.liquid(1, 'Compute', '{% assign answer = 42 %}'), concurrent_limit: 3, tags: ['a', 'b'] },
        task.responseFormatter(2, 'Answer', { template: '{"answer": {{ Data.Liquid.answer }}}', code: 201 }),
      ],
      linkages: [start(1), link(1, 2)],
      fields: [{ callout_id: 'who', object_name: 'Workflow', field_name: 'Who', datatype: 'Text', required: false }],
    });
    const workflow = await setupWorkflow(weir, original);
    must(await importVersion(workflow.id, '?version=0.0.2', labelled('two')), 200, 'import 0.0.2');

    const active = must(await weir.api('GET', `/workflows/${workflow.id}/export`), 200, 'export');
    const byNumber = must(await weir.api('GET', `/workflows/${workflow.id}/export?version=0.0.1`), 200, 'export 0.0.1');
    const latest = must(await weir.api('GET', `/workflows/${workflow.id}/export?version=latest`), 200, 'export latest');
    expect(byNumber).toEqual(active);
    expect(latest.workflow.version).toBe('0.0.2');
    expect(latest.tasks[0].parameters.template).toBe('{"version": "two"}');
    expectErrorEnvelope(await weir.api('GET', `/workflows/${workflow.id}/export?version=9.9.9`), 404);
    expectErrorEnvelope(await weir.api('GET', `/workflows/${workflow.id}/export?version=a%20b`), 400);

    // As a new workflow, and as a version of another one.
    const copy = must(await weir.api('POST', '/workflows/import?activate=true', active), 200, 'import the export');
    const copied = must(await weir.api('GET', `/workflows/${copy.id}/export`), 200, 'export the copy');
    expect(withoutIds(copied)).toEqual(withoutIds(active));
    expect(copied.tasks[0].id).not.toBe(active.tasks[0].id);
    expect(copied.workflow.version).toBe('0.0.1');

    must(await importVersion(copy.id, '?version=0.0.5', active), 200, 'import the export as a version');
    const asVersion = must(await weir.api('GET', `/workflows/${copy.id}/export?version=0.0.5`), 200, 'export 0.0.5');
    expect(withoutIds(asVersion)).toEqual(withoutIds(active));
    expect(asVersion.workflow.version).toBe('0.0.5');

    // And it still runs the same.
    const triggered = await setupWorkflow(weir, copied);
    const answer = await triggered.sync({ query: { who: 'Ada' } });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body).toEqual({ answer: 42 });
  });
});

describe('the active version is never edited', () => {
  it('the catalog refuses to edit the active version (403) and edits an inactive one', async () => {
    const workflow = await setupWorkflow(weir, labelled('one'));
    const imported = must(await importVersion(workflow.id, '?version=0.0.2', labelled('two')), 200, 'import');
    // No endpoint edits versions yet: the catalog the future editor will use, on the same database.
    const store = SqliteStore.open(path.join(weir.dataDir, 'weir.db'));
    const versions = new VersionCache(store.catalog, store.notifier);
    const catalog = new WorkflowCatalog({
      store,
      notifier: store.notifier,
      versions,
      secrets: new SecretBox(TEST_SECRET_KEY),
      now: Date.now,
    });
    const versionCatalog = new VersionCatalog({ store, versions, catalog, now: Date.now });
    const active = imported.active_version.id as number;
    const inactive = imported.latest_inactive_verisons[0].id as number;
    await expect(versionCatalog.editVersion(active, labelled('edited'))).rejects.toMatchObject({
      name: 'ForbiddenError',
      title: expect.stringMatching(/active version .* cannot be edited/),
    });
    const edited = await versionCatalog.editVersion(inactive, labelled('edited'));
    expect(edited.version).toBe('0.0.2');
    expect((await workflow.sync()).body).toEqual({ version: 'one' });
    must(
      await weir.api('PATCH', `/workflows/${workflow.id}`, { active_workflow_version_id: inactive }),
      200,
      'activate',
    );
    expect((await workflow.sync()).body).toEqual({ version: 'edited' });
    // Now it is the active one: refused, and the export still shows the edit.
    await expect(versionCatalog.editVersion(inactive, labelled('again'))).rejects.toMatchObject({
      name: 'ForbiddenError',
    });
    const exported = must(await weir.api('GET', `/workflows/${workflow.id}/export`), 200, 'export');
    expect(exported.tasks[0].parameters.template).toBe('{"version": "edited"}');
    expect((await getRun(weir, (await workflow.run()).body.id)).originalWorkflowId).toBe(workflow.id);
    await store.close();
  });
});
