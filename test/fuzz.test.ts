import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, type HttpResponse } from './helpers/http.js';
import { setupWorkflow, type TriggerableWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { everyDatatypeInputsWorkflow, link, start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * Issue 10, last point: property tests (fast-check) over what callers and authors send: trigger inputs
 * (query, form and JSON bodies, headers, content types), import documents, and templates (Liquid,
 * JSONata, Case patterns) run through a real task. For every case: never a 5xx, every 4xx in the error
 * envelope, the server alive; meanwhile `/health` keeps answering. Each property is bounded in time
 * (`TIME_LIMIT_MS`) so the file costs about 30 s whatever the machine; a failure prints its seed and
 * shrunk counterexample, so `fc.assert(..., { seed, path })` replays it.
 */

const TIME_LIMIT_MS = 7_000;
const RUNS = 400;

let weir: TestWeir;
let inputs: TriggerableWorkflow;
const healthTimes: number[] = [];
const healthStatuses: number[] = [];
let healthPoller: NodeJS.Timeout | undefined;

beforeAll(async () => {
  weir = await startTestWeir();
  inputs = await setupWorkflow(weir, everyDatatypeInputsWorkflow());
  const poll = async (): Promise<void> => {
    const started = Date.now();
    const answer = await httpRequest(`${weir.url}/health`, { timeoutMs: 5_000 }).catch(() => undefined);
    healthTimes.push(Date.now() - started);
    healthStatuses.push(answer?.status ?? 0);
    healthPoller = setTimeout(() => void poll(), 100);
  };
  void poll();
});

afterAll(async () => {
  if (healthPoller) clearTimeout(healthPoller);
  await weir?.close();
});

/**
 * The answer is not a 5xx; a 4xx carries the envelope (`/sync`'s 403, a failed task, has the
 * reference's `{error_class, message, run}` shape instead, as the contract says).
 */
function checkAnswer(answer: HttpResponse, what: string): void {
  const context = `${what}: ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, context).toBeLessThan(500);
  if (answer.status < 400) return;
  if (answer.status === 403 && typeof answer.body?.error_class === 'string') return;
  expect(Array.isArray(answer.body?.errors), context).toBe(true);
  for (const error of answer.body.errors as Array<Record<string, unknown>>) {
    expect(error.status, context).toBe(answer.status);
    expect(typeof error.code, context).toBe('string');
    expect(typeof error.title, context).toBe('string');
  }
}

const SETTINGS = { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false };

/** Strings with the characters that break parsers: quotes, braces, percent signs, control and astral ones. */
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '%',
    '%zz',
    '{{',
    '}}',
    '{%',
    '\\',
    '"',
    "'",
    '\u0000',
    '\ud800',
    '💥',
    'NaN',
    '-0',
    '1e999',
    '[]',
    '{}',
  ),
);
const parameterName = fc.oneof(
  fc.constantFrom('text', 'int', 'dec', 'bool', 'date', 'dt', 'json', 'withDefault', 'externalName', 'id', 'format'),
  fc.string({ minLength: 1, maxLength: 12 }),
);
/** Header values Node lets a client send (visible ASCII and spaces). */
const headerValue = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 60,
});

describe('trigger inputs', () => {
  it('query, form and JSON bodies, headers and content types: never a 5xx, every 4xx in the envelope', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          mode: fc.constantFrom('run' as const, 'sync' as const),
          method: fc.constantFrom('GET', 'POST'),
          query: fc.dictionary(parameterName, nasty, { maxKeys: 4 }),
          body: fc.oneof(
            fc.constant(undefined),
            fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
            fc.record({
              kind: fc.constant('form' as const),
              value: fc.dictionary(parameterName, nasty, { maxKeys: 4 }),
            }),
            fc.record({ kind: fc.constant('raw' as const), value: nasty }),
          ),
          contentType: fc.constantFrom(
            'application/json',
            'application/x-www-form-urlencoded',
            'text/plain',
            'application/json; charset=latin1',
            'multipart/form-data; boundary=x',
            'application/xml',
          ),
          headers: fc.dictionary(
            fc.constantFrom('Idempotency-Key', 'Zuora-Track-Id', 'X-Anything', 'Accept', 'Accept-Encoding'),
            headerValue,
            { maxKeys: 3 },
          ),
        }),
        async (input) => {
          let rawBody: string | undefined;
          if (input.body?.kind === 'json') rawBody = JSON.stringify(input.body.value);
          if (input.body?.kind === 'form') rawBody = new URLSearchParams(input.body.value).toString();
          if (input.body?.kind === 'raw') rawBody = input.body.value;
          const answer = await inputs[input.mode]({
            method: input.method,
            query: input.query,
            headers: input.headers,
            ...(rawBody !== undefined && input.method === 'POST' ? { rawBody, contentType: input.contentType } : {}),
            timeoutMs: 15_000,
          });
          checkAnswer(answer, `${input.method} /${input.mode}`);
        },
      ),
      SETTINGS,
    );
  }, 60_000);
});

describe('import documents', () => {
  /** A valid document with parts replaced by arbitrary values. */
  const documentArbitrary = fc
    .record({
      workflowName: fc.oneof(nasty, fc.jsonValue({ maxDepth: 1 })),
      tasks: fc.array(
        fc.record({
          id: fc.oneof(fc.integer({ min: -2, max: 5 }), nasty),
          action_type: fc.constantFrom('Logic::Liquid', 'Callout', 'Iterate', 'If', 'Logic::Case', 'Nope', ''),
          name: nasty,
          parameters: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(fc.string({ maxLength: 10 }), nasty)),
        }),
        { maxLength: 4 },
      ),
      linkages: fc.array(
        fc.record({
          source_task_id: fc.oneof(fc.constant(null), fc.integer({ min: -1, max: 5 }), nasty),
          target_task_id: fc.oneof(fc.integer({ min: -1, max: 5 }), nasty),
          linkage_type: fc.constantFrom('Start', 'Success', 'Failure', 'For Each', 'Case_1', 'Odd'),
        }),
        { maxLength: 5 },
      ),
      extra: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    })
    .map((parts) => {
      const document = workflowDocument({
        name: uniqueName('fuzz'),
        tasks: [task.liquid(1, 'One', '{% assign a = 1 %}')],
        linkages: [start(1)],
      }) as unknown as Record<string, unknown>;
      return {
        ...document,
        ...parts.extra,
        workflow: { ...(document.workflow as object), name: parts.workflowName },
        tasks: parts.tasks,
        linkages: parts.linkages,
      };
    });

  it('never a 5xx, every 4xx in the envelope', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(documentArbitrary, fc.jsonValue({ maxDepth: 3 })),
        fc.constantFrom('', '?activate=true'),
        async (document, query) => {
          const answer = await weir.api('POST', `/workflows/import${query}`, document, { timeoutMs: 15_000 });
          checkAnswer(answer, 'POST /workflows/import');
        },
      ),
      SETTINGS,
    );
  }, 60_000);
});

describe('templates and patterns through a real task run', () => {
  /** Liquid and JSONata made of pieces that parse, nearly parse, loop or explode. */
  const liquidPiece = fc.constantFrom(
    '{{ Data.Workflow.text }}',
    '{{ Data.Workflow.text | upcase | append: "x" }}',
    '{{ Data | to_json }}',
    '{% for i in (1..50) %}{{ i }}{% endfor %}',
    '{% if Data.Workflow.text == "a" %}a{% else %}b{% endif %}',
    '{{ Data.Workflow.text | regex: "(a+)+b" }}',
    '{{ "x" | money: "USD" }}',
    '{{',
    '{%',
    '{% endfor %}',
    '{{ 1 | divided_by: 0 }}',
    '{{ nothing.here }}',
    '"quoted',
    '{"a": ',
  );
  const jsonataPiece = fc.constantFrom(
    'Data.Workflow.text',
    '$uppercase(Data.Workflow.text)',
    '$match(Data.Workflow.text, /(a+)+b/)',
    '$sum([1,2,3])',
    '$string($)',
    '{"a": Data.Workflow.int * 2}',
    '(',
    '$nope()',
    '[1..100000].$string()',
    '1/0',
  );
  const regexPiece = fc.oneof(
    fc.constantFrom('(a+)+b', '^[A-Z]{3}$', '(?=x)', '\\1', '[', '.*', 'EUR|USD', '(?i)usd', ''),
    fc.string({ maxLength: 12 }),
  );

  it('Liquid, JSONata and Case patterns: imported or refused with a 4xx, and a run answers below 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          liquid: fc.array(liquidPiece, { minLength: 1, maxLength: 4 }).map((pieces) => pieces.join('')),
          jsonata: fc.array(jsonataPiece, { minLength: 1, maxLength: 2 }).map((pieces) => pieces.join(' & ')),
          processor: fc.constantFrom('Liquid' as const, 'JSONata' as const),
          pattern: regexPiece,
          text: nasty,
        }),
        async (input) => {
          const document = workflowDocument({
            name: uniqueName('fuzz-template'),
            fields: [
              { callout_id: 'text', object_name: 'Workflow', field_name: 'text', datatype: 'Text', required: false },
            ],
            tasks: [
              task.liquid(1, 'Compute', input.liquid),
              task.raw(2, 'Route', 'Logic::Case', {
                case_clause: '{{ Data.Workflow.text }}',
                case_condition: { Case_1: input.pattern },
                strict_variables: 'false',
              }),
              task.responseFormatter(3, 'Answer', {
                processor: input.processor,
                template: input.processor === 'Liquid' ? input.liquid : input.jsonata,
              }),
            ],
            linkages: [start(1), link(1, 2), link(2, 3, 'Case_1'), link(2, 3, 'Case_Else')],
          });
          const imported = await weir.api('POST', '/workflows/import?activate=true', document, { timeoutMs: 15_000 });
          checkAnswer(imported, 'import of a template workflow');
          if (imported.status !== 200) return;
          const id = imported.body.id as number;
          const patched = await weir.api('PATCH', `/workflows/${id}`, { callout_trigger: true, sync_trigger: true });
          checkAnswer(patched, 'PATCH');
          const settings = await weir.api('GET', `/workflows/${id}/settings`);
          const answer = await httpRequest(`${weir.url}/api/v1/workflows/${id}/sync`, {
            method: 'POST',
            headers: { 'API-Token': settings.body.api_token as string, 'Content-Type': 'application/json' },
            body: JSON.stringify({ text: input.text }),
            timeoutMs: 30_000,
          });
          checkAnswer(answer, `/sync of ${JSON.stringify(input)}`);
        },
      ),
      { ...SETTINGS, numRuns: 150 },
    );
  }, 90_000);
});

describe('meanwhile', () => {
  it('/health answered every poll, each within a second, and the server is still up', async () => {
    expect(healthStatuses.length).toBeGreaterThan(20);
    expect(healthStatuses.filter((status) => status !== 200)).toEqual([]);
    expect(Math.max(...healthTimes)).toBeLessThan(1_000);
    expect((await httpRequest(`${weir.url}/health`)).status).toBe(200);
  });
});
