import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import type { JsonBody } from './helpers/http.js';
import { corpusDocuments, hasCorpus, restoreIds, withoutTasks } from './helpers/reference-documents.js';
import { waitForRun } from './helpers/runs.js';
import { must } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { taskInstancesOf } from './helpers/task-instances.js';

/**
 * issue 11 points 1 and 2 over HTTP: the reference's export documents import unchanged (task `object`,
 * the Email keys it writes, an entry linkage that is not `Start`, its workflow keys), export back equal
 * but for ids, and run; its Liquid filters work, and an unknown one is refused at import by name.
 */

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'reference-export.json');
/** The export sample of the reference's API reference ("Call Echo"), its URL pointed at the local target. */
const CALL_ECHO = path.join(import.meta.dirname, 'fixtures', 'reference-call-echo.json');
/** The action types of the corpus that act on Zuora objects, which Weir does not run. */
const ZUORA_OBJECT_TYPES = new Set(['Export', 'Query', 'Resume', 'Suspend', 'Cancel', 'WriteOff', 'NewProduct']);

let weir: TestWeir;
let target: CalloutTarget;

beforeAll(async () => {
  target = await startCalloutTarget();
  weir = await startTestWeir();
});
afterAll(async () => {
  await weir?.close();
  await target?.close();
});

function fixture(file = FIXTURE): JsonBody {
  return JSON.parse(readFileSync(file, 'utf8').replaceAll('__TARGET__', target.baseUrl)) as JsonBody;
}

async function workflowCount(): Promise<number> {
  const page = must(await weir.api('GET', '/workflows?page_length=50'), 200, 'list workflows');
  return (page.data as unknown[]).length;
}

async function importAndRun(document: JsonBody): Promise<{ id: number; exported: JsonBody; run: JsonBody }> {
  const imported = must(await weir.api('POST', '/workflows/import?activate=true', document), 200, 'import');
  const exported = must(await weir.api('GET', `/workflows/${imported.id}/export`), 200, 'export');
  const started = must(await weir.api('POST', `/workflows/${imported.id}/run`, {}), 200, 'run');
  const run = await waitForRun(weir, started.id as number);
  return { id: imported.id as number, exported, run };
}

describe("the reference's published export sample", () => {
  it('Call Echo imports unchanged, exports back equal but for ids, and runs its callout', async () => {
    const document = fixture(CALL_ECHO);
    const { exported, run } = await importAndRun(document);
    expect(restoreIds(exported, document)).toEqual(document);
    expect(run).toMatchObject({ status: 'Finished', result: 'Success', tasks: { success: 1, error: 0 } });
    const [echo] = await target.waitForRequests('/echo', 1);
    expect(echo?.method).toBe('GET');
  });
});

describe('an export document with every format feature (own fixture)', () => {
  it('imports unchanged, exports back equal but for ids, and runs', async () => {
    const document = fixture();
    const { exported, run } = await importAndRun(document);
    expect(restoreIds(exported, document)).toEqual(document);
    // Ids were remapped consistently: each task's parent is the new id of its parent.
    expect(exported.tasks[1].task_id).toBe(exported.tasks[0].id);
    expect(exported.linkages[0]).toMatchObject({ source_task_id: null, linkage_type: 'Finish' });
    expect(exported.linkages[1].source_workflow_id).toBeNull();

    expect(run).toMatchObject({ status: 'Finished', result: 'Success', tasks: { error: 0, success: 5 } });
    const instances = await taskInstancesOf(weir, run.id as number);
    const emails = instances.filter((t) => t.name === 'Past Due Email');
    // Unique-Field: A1, A2 (the second A1 row is skipped).
    expect(emails.map((t) => t.data_out.Email.subject).sort()).toEqual(['Account A1', 'Account A2']);
    expect(emails.map((t) => t.data_out.Email.template).sort()).toEqual([
      '<p>Balance $1,234.50</p>',
      '<p>Balance $9.90</p>',
    ]);
    for (const email of emails) {
      expect(email.status).toBe('Success');
      expect(email.data_out.Email).toMatchObject({
        preview: true,
        to: ['billing@example.test'],
        from: '"Workflow Template" <workflow@example.test>',
      });
      expect(email.log).toContain('email.attachments (invoices): Weir keeps no files to attach; sent without them.');
      expect(email.log).toContain('email.preview_only: rendered, not sent');
    }
    const [report] = await target.waitForRequests('/report', 1);
    expect(report?.json).toEqual({ total: '€1,237.50' });
  });

  it('a task type Weir cannot run is refused with 400 naming the task and type, storing nothing', async () => {
    const document = fixture();
    document.tasks.push({ id: 105, name: 'Pull Invoices', action_type: 'Export', parameters: {}, object: 'Invoice' });
    document.linkages.push({
      source_workflow_id: null,
      source_task_id: 104,
      target_task_id: 105,
      linkage_type: 'Success',
    });
    const before = await workflowCount();
    const response = await weir.api('POST', '/workflows/import', document);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      {
        status: 400,
        code: 'invalid',
        field: 'tasks',
        title: 'Weir does not run these task types: "Pull Invoices" (Export).',
      },
    ]);
    expect(await workflowCount()).toBe(before);
  });

  it('a template with an unknown filter is refused at import, naming the filter and the parameter', async () => {
    const document = fixture();
    document.tasks[2].parameters.email.template = '{{ Data.InvoiceItem | read_file: 1, "a.csv" }}';
    const before = await workflowCount();
    const response = await weir.api('POST', '/workflows/import', document);
    expect(response.status).toBe(400);
    expect(response.body.errors[0]).toMatchObject({
      field: 'tasks[2].parameters.email.template',
      title: 'email.template: undefined filter: read_file, line:1, col:1',
    });
    expect(await workflowCount()).toBe(before);
  });
});

const describeCorpus = hasCorpus() ? describe : describe.skip;
if (!hasCorpus()) console.warn('skipping the Zuora corpus tests: ../shared/zuora-corpus is not in this checkout');

describeCorpus('the recorded Zuora exports (../shared/zuora-corpus)', () => {
  it('are refused for their Zuora-object task types alone, naming each task; nothing is stored', async () => {
    const before = await workflowCount();
    for (const { file, document } of corpusDocuments()) {
      const response = await weir.api('POST', '/workflows/import', document);
      const unrunnable = (document.tasks as JsonBody[]).filter((t) => ZUORA_OBJECT_TYPES.has(t.action_type));
      expect(unrunnable.length, file).toBeGreaterThan(0);
      expect(response.status, file).toBe(400);
      expect(response.body.errors, file).toEqual([
        {
          status: 400,
          code: 'invalid',
          field: 'tasks',
          title: `Weir does not run these task types: ${unrunnable
            .map((t) => `"${t.name}" (${t.action_type})`)
            .join(', ')}.`,
        },
      ]);
    }
    expect(await workflowCount()).toBe(before);
  });

  it('with those tasks taken out, import, export back equal but for ids, and run', async () => {
    let runnable = 0;
    for (const { file, document } of corpusDocuments()) {
      const rest = withoutTasks(document, (t) => ZUORA_OBJECT_TYPES.has(t.action_type));
      // An Iterate whose For Each tasks were all taken out would never finish: refused, naming it.
      const unlinked = (rest.tasks as JsonBody[]).findIndex(
        (t) =>
          t.action_type === 'Iterate' &&
          !(rest.linkages as JsonBody[]).some((l) => l.source_task_id === t.id && l.linkage_type === 'For Each'),
      );
      if (unlinked >= 0) {
        const response = await weir.api('POST', '/workflows/import', rest);
        expect(response.status, file).toBe(400);
        expect(response.body.errors[0], file).toMatchObject({
          field: `tasks[${unlinked}]`,
          title: expect.stringContaining(`"${(rest.tasks as JsonBody[])[unlinked]?.name as string}" (Iterate)`),
        });
        continue;
      }
      runnable += 1;
      const { exported, run } = await importAndRun(rest);
      expect(restoreIds(exported, rest), file).toEqual(rest);
      // What is left iterates a file an Export task would have made: nothing to iterate, so it finishes.
      expect(run, file).toMatchObject({ status: 'Finished', tasks: { error: 0 } });
      const instances = await taskInstancesOf(weir, run.id as number);
      expect(instances.length, file).toBeGreaterThan(0);
      const iterate = instances.find((t) => t.action_type === 'Iterate');
      expect(iterate?.log, file).toMatch(/^Data\.\S+\.csv\.zip is absent: nothing to iterate\./);
    }
    expect(runnable).toBeGreaterThan(0);
  });
});
