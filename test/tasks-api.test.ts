import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import type { JsonBody } from './helpers/http.js';
import { waitForRun } from './helpers/runs.js';
import { must } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { link, start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * issue 11 point 6 over HTTP: `GET /workflows/tasks` filters by `tags[]`, `object`, `object_id`,
 * `call_type`, `instance`, `workflow_id` (a filter value that matches nothing answers nothing),
 * `GET /workflows/tasks/{id}` answers tasks of versions, and `batch_update` edits their `name`, `tags`,
 * `concurrent_limit`, `priority`, all or nothing.
 */

let weir: TestWeir;
let workflowId: number;
let versionId: number;
let runId: number;
/** Task ids of the version, by name. */
const setupIds = new Map<string, number>();

function tagged() {
  const rows = task.liquid(1, 'Rows', '{% assign n = 1 %}');
  const iterate = {
    ...task.raw(2, 'Each', 'Iterate', {}),
    object: 'Items',
    object_id: 'ITEM-1',
    call_type: 'SOAP',
    tags: ['billing'],
  };
  const note = { ...task.liquid(3, 'Note', '{% assign done = true %}'), tags: ['ops', 'audit'], call_type: 'REST' };
  return workflowDocument({
    name: uniqueName('tasks-api'),
    tasks: [rows, iterate, note],
    // Data.Items is absent: the Iterate starts no branch (For Each must be linked all the same) and completes.
    linkages: [start(1), link(1, 2), link(2, 3, 'For Each'), link(2, 3, 'Complete')],
  });
}

beforeAll(async () => {
  weir = await startTestWeir();
  const imported = must(await weir.api('POST', '/workflows/import?activate=true', tagged()), 200, 'import');
  workflowId = imported.id as number;
  versionId = imported.active_version.id as number;
  must(await weir.api('PATCH', `/workflows/${workflowId}`, { callout_trigger: true }), 200, 'patch');
  const started = must(await weir.api('POST', `/workflows/${workflowId}/run`, {}), 200, 'run');
  runId = started.id as number;
  await waitForRun(weir, runId);
  const setup = must(await weir.api('GET', `/workflows/tasks?instance=false&workflow_id=${versionId}`), 200, 'tasks');
  for (const t of setup.data as JsonBody[]) setupIds.set(t.name as string, t.id as number);
});
afterAll(async () => {
  await weir?.close();
});

async function names(query: string): Promise<string[]> {
  const page = must(await weir.api('GET', `/workflows/tasks?${query}`), 200, query);
  return (page.data as JsonBody[]).map((t) => t.name as string).sort();
}

describe('GET /workflows/tasks filters', () => {
  it('task instances by the properties of their task; a value that matches nothing answers nothing', async () => {
    const run = `workflow_id=${runId}`;
    expect(await names(run)).toEqual(['Each', 'Note', 'Rows']);
    expect(await names(`${run}&tags[]=billing`)).toEqual(['Each']);
    expect(await names(`${run}&tags[]=billing&tags[]=audit`)).toEqual(['Each', 'Note']);
    expect(await names(`${run}&tags[]=nothing`)).toEqual([]);
    expect(await names(`${run}&object=Items`)).toEqual(['Each']);
    expect(await names(`${run}&object=Other`)).toEqual([]);
    expect(await names(`${run}&object_id=ITEM-1`)).toEqual(['Each']);
    expect(await names(`${run}&call_type=REST`)).toEqual(['Note']);
    expect(await names(`${run}&call_type=REST&tags[]=billing`)).toEqual([]);
    // Without workflow_id, across runs.
    expect(await names('tags[]=audit&instance=true')).toEqual(['Note']);
    const each = must(await weir.api('GET', `/workflows/tasks?${run}&object=Items`), 200, 'each').data[0];
    expect(each).toMatchObject({ instance: true, object: 'Items', object_id: 'ITEM-1', call_type: 'SOAP' });
  });

  it('pages task instances filtered by their task across runs, newest first, with their Data', async () => {
    const more: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      const started = must(await weir.api('POST', `/workflows/${workflowId}/run`, {}), 200, 'run');
      await waitForRun(weir, started.id as number);
      more.push(started.id as number);
    }
    const newestFirst = [...more].reverse().concat(runId);
    const pageOf = async (page: number) =>
      must(
        await weir.api('GET', `/workflows/tasks?tags[]=billing&instance=true&page_length=1&page=${page}`),
        200,
        `page ${page}`,
      );
    for (const [i, run] of newestFirst.entries()) {
      const page = await pageOf(i + 1);
      expect(page.data).toHaveLength(1);
      expect(page.data[0]).toMatchObject({ name: 'Each', workflow_id: run, instance: true });
      // Each's input Data: what Rows left (its Liquid assigned n = 1).
      expect(page.data[0].data).toMatchObject({ Liquid: { n: 1 } });
      expect(page.pagination.next_page === null).toBe(i === newestFirst.length - 1);
    }
    expect((await pageOf(4)).data).toEqual([]);
  });

  it('tasks of a version (instance=false) filter the same way', async () => {
    const version = `instance=false&workflow_id=${versionId}`;
    expect(await names(version)).toEqual(['Each', 'Note', 'Rows']);
    expect(await names(`${version}&tags[]=ops`)).toEqual(['Note']);
    expect(await names(`${version}&object=Items&call_type=SOAP`)).toEqual(['Each']);
    expect(await names(`${version}&object=Nope`)).toEqual([]);
  });

  it('an unknown parameter, or instance other than true/false, is a 400 naming it', async () => {
    expectErrorEnvelope(await weir.api('GET', `/workflows/tasks?workflow_id=${runId}&tag=billing`), 400, {
      field: 'tag',
      title: 'tag is not a query parameter of this operation.',
    });
    expectErrorEnvelope(await weir.api('GET', '/workflows/tasks?instance=maybe'), 400, { field: 'instance' });
  });
});

describe('GET /workflows/tasks/{id} and batch_update on tasks of versions', () => {
  it('answers a task of a version by its id', async () => {
    const id = setupIds.get('Note') as number;
    const answer = must(await weir.api('GET', `/workflows/tasks/${id}`), 200, 'task');
    expect(answer).toMatchObject({
      id,
      name: 'Note',
      instance: false,
      workflow_id: versionId,
      action_type: 'Logic::Liquid',
      tags: ['ops', 'audit'],
      call_type: 'REST',
      priority: 'Medium',
    });
    expectErrorEnvelope(await weir.api('GET', '/workflows/tasks/999999999'), 404);
  });

  it('edits name, tags and priority of a task of the active version; the export shows them', async () => {
    const id = setupIds.get('Rows') as number;
    const answer = must(
      await weir.api('PUT', '/workflows/tasks/batch_update', {
        data: [{ id, name: 'Rows (renamed)', tags: ['x'], priority: 'High' }],
      }),
      200,
      'batch',
    );
    expect(answer.data).toEqual([
      expect.objectContaining({ id, name: 'Rows (renamed)', tags: ['x'], priority: 'High', instance: false }),
    ]);
    const exported = must(await weir.api('GET', `/workflows/${workflowId}/export`), 200, 'export');
    expect(exported.tasks[0]).toMatchObject({ id, name: 'Rows (renamed)', tags: ['x'], priority: 'High' });
    // New runs use the new name.
    const started = must(await weir.api('POST', `/workflows/${workflowId}/run`, {}), 200, 'run');
    await waitForRun(weir, started.id as number);
    expect(await names(`workflow_id=${started.id}`)).toEqual(['Each', 'Note', 'Rows (renamed)']);
  });

  it('is all or nothing: a refused item (concurrent_limit on the active version, a missing id) changes nothing', async () => {
    const note = setupIds.get('Note') as number;
    const each = setupIds.get('Each') as number;
    const before = must(await weir.api('GET', `/workflows/${workflowId}/export`), 200, 'export');
    expectErrorEnvelope(
      await weir.api('PUT', '/workflows/tasks/batch_update', {
        data: [
          { id: note, name: 'Changed' },
          { id: each, concurrent_limit: 3 },
        ],
      }),
      403,
    );
    expectErrorEnvelope(
      await weir.api('PUT', '/workflows/tasks/batch_update', {
        data: [
          { id: note, name: 'Changed' },
          { id: 999999999, name: 'Nobody' },
        ],
      }),
      404,
      { title: 'Missing ids for tasks.' },
    );
    expectErrorEnvelope(
      await weir.api('PUT', '/workflows/tasks/batch_update', { data: [{ id: note, action_type: 'Callout' }] }),
      400,
      { field: 'data[0].action_type' },
    );
    expect(must(await weir.api('GET', `/workflows/${workflowId}/export`), 200, 'export')).toEqual(before);
  });

  it('concurrent_limit changes on a task of an inactive version', async () => {
    must(await weir.api('POST', `/workflows/${workflowId}/versions/import?version=0.0.2`, tagged()), 200, 'import');
    const exported = must(await weir.api('GET', `/workflows/${workflowId}/export?version=0.0.2`), 200, 'export');
    const id = exported.tasks[1].id as number;
    const answer = must(
      await weir.api('PUT', '/workflows/tasks/batch_update', { data: [{ id, concurrent_limit: 2 }] }),
      200,
      'batch',
    );
    expect(answer.data[0]).toMatchObject({ id, concurrent_limit: 2, workflow_id: exported.workflow.id });
    const after = must(await weir.api('GET', `/workflows/${workflowId}/export?version=0.0.2`), 200, 'export');
    expect(after.tasks[1].concurrent_limit).toBe(2);
  });
});
