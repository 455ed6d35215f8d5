import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import type { JsonBody } from './helpers/http.js';
import { must } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * issue 11 point 5 over HTTP: `POST /workflows/import` honours `workflow_definition_id` and `version`
 * (a new version of that workflow), both imports honour `Idempotency-Key`, and the 200 body carries the
 * reference's fields.
 */

let weir: TestWeir;

beforeAll(async () => {
  weir = await startTestWeir();
});
afterAll(async () => {
  await weir?.close();
});

function document(label: string, name = uniqueName('import')) {
  return workflowDocument({ name, tasks: [task.liquid(1, label, '{% assign a = 1 %}')], linkages: [start(1)] });
}

async function workflowIds(): Promise<number[]> {
  const page = must(await weir.api('GET', '/workflows?page_length=50'), 200, 'list');
  return (page.data as JsonBody[]).map((w) => w.id as number).sort((a, b) => a - b);
}

async function versionsOf(id: number): Promise<string[]> {
  const page = must(await weir.api('GET', `/workflows/${id}/versions`), 200, 'versions');
  return (page.data as JsonBody[]).map((v) => v.version as string);
}

describe('POST /workflows/import with workflow_definition_id and version', () => {
  it('adds a version to that workflow instead of creating a workflow; the answer has the reference fields', async () => {
    const first = must(await weir.api('POST', '/workflows/import', document('one')), 200, 'import');
    expect(first).toMatchObject({ type: 'Workflow::Setup', version: '0.0.1' });
    for (const field of [
      'id',
      'name',
      'description',
      'ondemandTrigger',
      'calloutTrigger',
      'scheduledTrigger',
      'interval',
      'timezone',
      'createdAt',
      'updatedAt',
    ]) {
      expect(first, field).toHaveProperty(field);
    }
    const before = await workflowIds();
    const second = must(
      await weir.api(
        'POST',
        `/workflows/import?workflow_definition_id=${first.id}&version=0.0.2&activate=true`,
        document('two'),
      ),
      200,
      'import version',
    );
    expect(second).toMatchObject({ id: first.id, type: 'Workflow::Setup', version: '0.0.2', status: 'Active' });
    expect(second.active_version.version).toBe('0.0.2');
    expect(await workflowIds()).toEqual(before);
    expect(await versionsOf(first.id as number)).toEqual(['0.0.1', '0.0.2']);
    const exported = must(await weir.api('GET', `/workflows/${first.id}/export?version=0.0.2`), 200, 'export');
    expect(exported.tasks[0].name).toBe('two');
  });

  it('version alone names the new workflow version; a malformed one, or one not greater, is a 400', async () => {
    const created = must(await weir.api('POST', '/workflows/import?version=1.4.0', document('x')), 200, 'import');
    expect(created.version).toBe('1.4.0');
    expect(await versionsOf(created.id as number)).toEqual(['1.4.0']);
    expectErrorEnvelope(await weir.api('POST', '/workflows/import?version=one', document('x')), 400, {
      field: 'version',
    });
    expectErrorEnvelope(
      await weir.api('POST', `/workflows/import?workflow_definition_id=${created.id}&version=1.3.9`, document('y')),
      400,
      { field: 'version' },
    );
    expect(await versionsOf(created.id as number)).toEqual(['1.4.0']);
  });

  it('an unknown workflow_definition_id is a 404, a malformed one a 400; nothing is stored', async () => {
    const before = await workflowIds();
    expectErrorEnvelope(
      await weir.api('POST', '/workflows/import?workflow_definition_id=999999&version=0.0.2', document('z')),
      404,
    );
    expectErrorEnvelope(await weir.api('POST', '/workflows/import?workflow_definition_id=abc', document('z')), 400, {
      field: 'workflow_definition_id',
    });
    expect(await workflowIds()).toEqual(before);
  });
});

describe('Idempotency-Key on the imports', () => {
  it('a retry (also concurrent) with the same key and file answers the first answer and imports once', async () => {
    const file = document('same');
    const headers = { headers: { 'Idempotency-Key': 'import-key-1' } };
    const before = await workflowIds();
    const answers = await Promise.all([
      weir.api('POST', '/workflows/import', file, headers),
      weir.api('POST', '/workflows/import', file, headers),
    ]);
    const again = await weir.api('POST', '/workflows/import', file, headers);
    expect([...answers, again].map((a) => a.status)).toEqual([200, 200, 200]);
    const ids = new Set([...answers, again].map((a) => a.body.id as number));
    expect(ids.size).toBe(1);
    expect(await workflowIds()).toEqual([...before, ...ids].sort((a, b) => a - b));
  });

  it('the same key with another file is a 422 naming the key; an over-long key a 400; no key imports every time', async () => {
    must(
      await weir.api('POST', '/workflows/import', document('a'), { headers: { 'Idempotency-Key': 'import-key-2' } }),
      200,
      'import',
    );
    const before = await workflowIds();
    expectErrorEnvelope(
      await weir.api('POST', '/workflows/import', document('b'), { headers: { 'Idempotency-Key': 'import-key-2' } }),
      422,
      { field: 'Idempotency-Key', title: /"import-key-2" was used for a different request/ },
    );
    expectErrorEnvelope(
      await weir.api('POST', '/workflows/import', document('c'), { headers: { 'Idempotency-Key': 'k'.repeat(256) } }),
      400,
      { field: 'Idempotency-Key' },
    );
    expect(await workflowIds()).toEqual(before);
    const file = document('d');
    must(await weir.api('POST', '/workflows/import', file), 200, 'import');
    must(await weir.api('POST', '/workflows/import', file), 200, 'import');
    expect((await workflowIds()).length).toBe(before.length + 2);
  });

  it('POST /workflows/{id}/versions/import with a key adds the version once', async () => {
    const workflow = must(await weir.api('POST', '/workflows/import', document('base')), 200, 'import');
    const path = `/workflows/${workflow.id}/versions/import?version=0.0.2`;
    const headers = { headers: { 'Idempotency-Key': 'version-key-1' } };
    const next = document('next');
    const first = await weir.api('POST', path, next, headers);
    const retry = await weir.api('POST', path, next, headers);
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(retry.body).toEqual(first.body);
    expect(await versionsOf(workflow.id as number)).toEqual(['0.0.1', '0.0.2']);
    // Without the key the retry is a new import, refused because 0.0.2 exists.
    expectErrorEnvelope(await weir.api('POST', path, next), 400, { field: 'version' });
  });
});

describe('import Idempotency-Keys live in the store', () => {
  it('a retry on another node (PostgreSQL) or after a restart (SQLite) answers the first import', async () => {
    const file = document('kept');
    const headers = { headers: { 'Idempotency-Key': 'import-key-stored' } };
    const first = must(await weir.api('POST', '/workflows/import', file, headers), 200, 'import');
    const isPostgres = weir.running.config.databaseUrl.startsWith('postgres');
    // PostgreSQL: a second node on the same database. SQLite: the same file after a restart.
    const other = isPostgres
      ? await startTestWeir({ databaseUrl: weir.running.config.databaseUrl })
      : await (async () => {
          await weir.running.close();
          const restarted = await startTestWeir({ databaseUrl: weir.running.config.databaseUrl });
          const close = weir.close;
          weir = {
            ...restarted,
            close: async () => {
              await restarted.close();
              await close().catch(() => undefined);
            },
          };
          return undefined;
        })();
    const client = other ?? weir;
    try {
      const again = must(await client.api('POST', '/workflows/import', file, headers), 200, 'import again');
      expect(again.id).toBe(first.id);
      expectErrorEnvelope(await client.api('POST', '/workflows/import', document('changed'), headers), 422, {
        field: 'Idempotency-Key',
      });
    } finally {
      if (other) await other.running.close();
    }
  });
});
