import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import type { HttpResponse } from './helpers/http.js';
import { listRuns } from './helpers/runs.js';
import { setupWorkflow, type TriggerableWorkflow, type TriggerOptions } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { everyDatatypeInputsWorkflow, oneCalloutWorkflow, requiredInputWorkflow } from './helpers/workflows.js';

/**
 * shared/contract/api.md "Trigger API" (inputs, Idempotency-Key, body limits) and docs/decisions.md "Trigger API"
 * (coercion rules, media types, check order). Inputs are observed in the run's Data through a
 * ResponseFormatter answering `{{ Data.Workflow | to_json }}` over /sync.
 */

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const RESERVED = ['controller', 'action', 'id', 'user_email', 'user_token', 'format'] as const;
const MIB = 1024 * 1024;

let weir: TestWeir;
let target: CalloutTarget;
/** Every datatype, all optional (see everyDatatypeInputsWorkflow). */
let inputs: TriggerableWorkflow;
/** One required input: request name `Message`, placed at `Data.Workflow.Message1`. */
let required: TriggerableWorkflow;

beforeAll(async () => {
  [weir, target] = await Promise.all([startTestWeir(), startCalloutTarget()]);
  inputs = await setupWorkflow(weir, everyDatatypeInputsWorkflow());
  required = await setupWorkflow(weir, requiredInputWorkflow());
});

afterAll(async () => {
  await Promise.all([weir?.close(), target?.close()]);
});

/** `/sync` on the echo workflow; asserts 200 and returns the run's `Data.Workflow`. */
async function echo(options: TriggerOptions, workflow = inputs): Promise<Record<string, unknown>> {
  const response = await workflow.sync(options);
  expect(response.status, response.text).toBe(200);
  expect(response.body, response.text).toBeTypeOf('object');
  return response.body as Record<string, unknown>;
}

async function runCount(workflow: TriggerableWorkflow): Promise<number> {
  return (await listRuns(weir, { workflow_id: String(workflow.id) })).length;
}

/** Sends a trigger that must be rejected, and checks that no run was stored for it. */
async function rejected(workflow: TriggerableWorkflow, send: () => Promise<HttpResponse>): Promise<HttpResponse> {
  const before = await runCount(workflow);
  const response = await send();
  expect(await runCount(workflow), `runs stored by a rejected trigger: ${response.status} ${response.text}`).toBe(
    before,
  );
  return response;
}

describe('where inputs come from', () => {
  it('the query string of a GET', async () => {
    const data = await echo({ method: 'GET', query: { text: 'from the query', int: '7' } });
    expect(data.text).toBe('from the query');
    expect(data.int).toBe(7);
  });

  it('the query string of a POST without a body', async () => {
    const data = await echo({ method: 'POST', query: { text: 'query on post' } });
    expect(data.text).toBe('query on post');
  });

  it('a JSON body', async () => {
    const data = await echo({ json: { text: 'from json', int: 8 } });
    expect(data.text).toBe('from json');
    expect(data.int).toBe(8);
  });

  it('a form-encoded body', async () => {
    const data = await echo({ form: { text: 'from a form', int: '9' } });
    expect(data.text).toBe('from a form');
    expect(data.int).toBe(9);
  });

  it('query and JSON body merged, the body winning', async () => {
    const data = await echo({ query: { text: 'query', int: '1' }, json: { text: 'body' } });
    expect(data.text).toBe('body');
    expect(data.int).toBe(1);
  });

  it('query and form body merged, the body winning', async () => {
    const data = await echo({ query: { text: 'query', int: '1', dec: '1.5' }, form: { int: '2' } });
    expect(data.text).toBe('query');
    expect(data.int).toBe(2);
    expect(data.dec).toBe(1.5);
  });

  it('a /run with valid inputs answers 200 with the run metadata', async () => {
    const response = await inputs.run({ json: { text: 'standard' } });
    expect(response.status, response.text).toBe(200);
    expect(response.body.originalWorkflowId).toBe(inputs.id);
  });

  it('Data.Workflow carries the seeds beside the inputs', async () => {
    await echo({});
    const data = await echo({ json: { text: 'seeds' } });
    expect(data.ExecutionDate).toMatch(DATE);
    expect(data.ExecutionDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?/);
    expect(data).toHaveProperty('WorkflowRunUser');
    // Not the first run of this workflow: the previous run's date is known.
    expect(data.LastRunDate).toMatch(DATE);
    expect(data.text).toBe('seeds');
  });

  it('ignores undeclared inputs', async () => {
    const data = await echo({ json: { undeclared: 'x', text: 'declared' } });
    expect(data).not.toHaveProperty('undeclared');
    expect(data.text).toBe('declared');
  });

  it('takes a field by its callout_id and places it at its field_name', async () => {
    const data = await echo({ json: { externalName: 'mapped' } });
    expect(data.internalName).toBe('mapped');
    expect(data).not.toHaveProperty('externalName');
    const byFieldName = await echo({ json: { internalName: 'not the request name' } });
    expect(byFieldName).not.toHaveProperty('internalName');
  });
});

describe('coercion to the declared datatype', () => {
  it.each([
    ['text', 'plain', 'plain'],
    ['text', 12, '12'],
    ['text', true, 'true'],
    ['int', '42', 42],
    ['int', 42, 42],
    ['int', '-7', -7],
    ['dec', '3.25', 3.25],
    ['dec', 2, 2],
    ['dec', '-0.5', -0.5],
    ['bool', true, true],
    ['bool', 'TRUE', true],
    ['bool', 'false', false],
    ['bool', 'False', false],
    ['bool', '1', true],
    ['bool', '0', false],
    ['date', '2024-02-29', '2024-02-29'],
    ['dt', '2024-02-29T13:45:10', '2024-02-29T13:45:10'],
    ['json', { a: [1, 2], b: { c: null } }, { a: [1, 2], b: { c: null } }],
    ['json', [1, 'x', false], [1, 'x', false]],
    ['json', '{"a":[1,2]}', { a: [1, 2] }],
    ['json', 5, 5],
  ] as const)('JSON body: %s = %j becomes %j', async (name, sent, expected) => {
    const data = await echo({ json: { [name]: sent } });
    expect(data[name]).toEqual(expected);
  });

  it.each([
    ['text', '12', '12'],
    ['int', '42', 42],
    ['dec', '0.125', 0.125],
    ['bool', 'true', true],
    ['bool', '0', false],
    ['date', '2023-12-31', '2023-12-31'],
    ['dt', '2023-12-31T23:59:59', '2023-12-31T23:59:59'],
    ['json', '{"k":1,"l":["m"]}', { k: 1, l: ['m'] }],
  ] as const)('query string: %s=%s becomes %j', async (name, sent, expected) => {
    const data = await echo({ method: 'GET', query: { [name]: sent } });
    expect(data[name]).toEqual(expected);
  });

  it('applies defaults, coerced like inputs', async () => {
    const data = await echo({});
    expect(data.withDefault).toBe(42);
    expect(data.flagDefault).toBe(true);
  });

  it('an input given wins over the default', async () => {
    const data = await echo({ json: { withDefault: '5', flagDefault: 'false' } });
    expect(data.withDefault).toBe(5);
    expect(data.flagDefault).toBe(false);
  });

  it('an empty string counts as missing: the default applies', async () => {
    const data = await echo({ json: { withDefault: '' } });
    expect(data.withDefault).toBe(42);
  });
});

describe('required inputs', () => {
  const TITLE = /^Required field .+ Ensure parameter 'Message' is present\.$/;

  it('places a required input given', async () => {
    const data = await echo({ json: { Message: 'hi' } }, required);
    expect(data.Message1).toBe('hi');
  });

  it.each(['run', 'sync'] as const)(
    '/%s answers 406 with the title and the parameters echoed when it is missing',
    async (mode) => {
      const response = await rejected(required, () => required[mode]({ json: { other: 'x' } }));
      expectErrorEnvelope(response, 406, { title: TITLE });
      expect(response.body.errors[0].code).toBe('invalid');
      expect(response.body.parameters).toEqual({ other: 'x' });
    },
  );

  it('answers 406 when it is an empty string', async () => {
    const response = await rejected(required, () => required.sync({ json: { Message: '' } }));
    expectErrorEnvelope(response, 406, { title: TITLE });
    expect(response.body.parameters).toEqual({ Message: '' });
  });

  it('answers 406 on a GET without it', async () => {
    expectErrorEnvelope(await rejected(required, () => required.run({ method: 'GET' })), 406, { title: TITLE });
  });
});

describe('values that do not coerce: 400 naming the field', () => {
  it.each([
    ['int', 'abc'],
    ['int', 4.5],
    ['int', '4.5'],
    ['dec', 'abc'],
    ['bool', 'maybe'],
    ['date', '29/02/2024'],
    ['dt', 'yesterday'],
    ['text', { nested: true }],
  ] as const)('%s = %j', async (name, value) => {
    for (const mode of ['run', 'sync'] as const) {
      const response = await rejected(inputs, () => inputs[mode]({ json: { [name]: value } }));
      expectErrorEnvelope(response, 400, { field: name });
      expect(response.body.errors[0].title).toContain(name);
    }
  });

  it('from the query string too', async () => {
    const response = await rejected(inputs, () => inputs.run({ method: 'GET', query: { int: 'abc' } }));
    expectErrorEnvelope(response, 400, { field: 'int' });
  });
});

describe('reserved names', () => {
  it.each(RESERVED)('%s is 400 in a JSON body and in the query string', async (name) => {
    for (const send of [
      () => inputs.run({ json: { [name]: 'x' } }),
      () => inputs.sync({ json: { [name]: 'x' } }),
      () => inputs.run({ method: 'GET', query: { [name]: 'x' } }),
      () => inputs.sync({ form: { [name]: 'x' } }),
    ]) {
      const response = await rejected(inputs, send);
      expectErrorEnvelope(response, 400);
      expect(`${response.body.errors[0].field ?? ''} ${response.body.errors[0].title}`).toContain(name);
    }
  });

  it('are checked before required inputs (400, not 406)', async () => {
    expectErrorEnvelope(await rejected(required, () => required.run({ json: { id: '1' } })), 400);
  });
});

describe('bodies', () => {
  it('no body at all is fine', async () => {
    const response = await inputs.run({ method: 'POST' });
    expect(response.status, response.text).toBe(200);
  });

  it.each([
    ['malformed JSON', '{"text": "unterminated', 'application/json'],
    ['a JSON array', '[{"text": "x"}]', 'application/json'],
    ['a JSON string', '"text"', 'application/json'],
    ['a JSON number', '12', 'application/json'],
    ['JSON null', 'null', 'application/json'],
  ])('answers 400 for %s', async (_name, rawBody, contentType) => {
    for (const mode of ['run', 'sync'] as const) {
      expectErrorEnvelope(await rejected(inputs, () => inputs[mode]({ rawBody, contentType })), 400);
    }
  });

  it.each([
    ['text/plain', 'text=hello'],
    ['application/xml', '<text>hello</text>'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="text"\r\n\r\nhello\r\n--x--\r\n'],
  ])('answers 415 for %s', async (contentType, rawBody) => {
    expectErrorEnvelope(await rejected(inputs, () => inputs.run({ rawBody, contentType })), 415);
  });

  it('answers 413 for a JSON body over 5 MiB, storing nothing', async () => {
    const rawBody = JSON.stringify({ text: 'x'.repeat(5 * MIB + 1024) });
    expectErrorEnvelope(await rejected(inputs, () => inputs.run({ rawBody, contentType: 'application/json' })), 413);
    expectErrorEnvelope(await rejected(inputs, () => inputs.sync({ rawBody, contentType: 'application/json' })), 413);
  });

  it('answers 413 for a form body over 5 MiB', async () => {
    const rawBody = `text=${'y'.repeat(5 * MIB + 1024)}`;
    expectErrorEnvelope(
      await rejected(inputs, () => inputs.run({ rawBody, contentType: 'application/x-www-form-urlencoded' })),
      413,
    );
  });

  it('accepts a JSON body just under 5 MiB', async () => {
    // An undeclared input: the body is read and parsed, but nothing that large lands in Data.
    const rawBody = JSON.stringify({ padding: 'z'.repeat(5 * MIB - 1024) });
    const response = await inputs.run({ rawBody, contentType: 'application/json' });
    expect(response.status, response.text.slice(0, 500)).toBe(200);
  });
});

describe('Idempotency-Key', () => {
  it('on /run: the same key answers the first run; another key starts another', async () => {
    const before = await runCount(inputs);
    const key = `order-${Date.now()}`;
    const first = await inputs.run({ json: { text: 'once' }, headers: { 'Idempotency-Key': key } });
    const again = await inputs.run({ json: { text: 'once' }, headers: { 'Idempotency-Key': key } });
    expect(first.status, first.text).toBe(200);
    expect(again.status, again.text).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.name).toBe(first.body.name);
    expect(await runCount(inputs)).toBe(before + 1);

    const other = await inputs.run({ json: { text: 'once' }, headers: { 'Idempotency-Key': `${key}-b` } });
    expect(other.status, other.text).toBe(200);
    expect(other.body.id).not.toBe(first.body.id);
    expect(await runCount(inputs)).toBe(before + 2);
  });

  it('the same key with another body is a 422 naming the key, on /run and /sync; no run is started', async () => {
    const key = `digest-${Date.now()}`;
    const first = await inputs.run({ json: { text: 'one', int: '1' }, headers: { 'Idempotency-Key': key } });
    expect(first.status, first.text).toBe(200);
    const before = await runCount(inputs);
    // The same content in another key order, and as a form, is the same request.
    const reordered = await inputs.run({ json: { int: '1', text: 'one' }, headers: { 'Idempotency-Key': key } });
    expect(reordered.body.id).toBe(first.body.id);
    const asForm = await inputs.run({ form: { text: 'one', int: '1' }, headers: { 'Idempotency-Key': key } });
    expect(asForm.body.id).toBe(first.body.id);
    for (const mode of ['run', 'sync'] as const) {
      const other = await inputs[mode]({ json: { text: 'two', int: '1' }, headers: { 'Idempotency-Key': key } });
      expectErrorEnvelope(other, 422, {
        field: 'Idempotency-Key',
        title: `Idempotency-Key "${key}" was used for a different request; send a new key for a new request.`,
      });
      expect(other.body.errors[0].code).toBe('idempotency_key_reused');
    }
    const undeclared = await inputs.run({
      json: { text: 'one', int: '1', extra: 'x' },
      headers: { 'Idempotency-Key': key },
    });
    expect(undeclared.status).toBe(422);
    expect(await runCount(inputs)).toBe(before);
  });

  it('on /run: a GET with the same key is the same trigger too', async () => {
    const key = `get-${Date.now()}`;
    const first = await inputs.run({ method: 'GET', headers: { 'Idempotency-Key': key } });
    const again = await inputs.run({ method: 'GET', headers: { 'Idempotency-Key': key } });
    expect(first.status, first.text).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it('is scoped to the workflow: the same key on another workflow starts a run there', async () => {
    const key = `shared-${Date.now()}`;
    const onInputs = await inputs.run({ headers: { 'Idempotency-Key': key } });
    const onRequired = await required.run({ json: { Message: 'm' }, headers: { 'Idempotency-Key': key } });
    expect(onInputs.status, onInputs.text).toBe(200);
    expect(onRequired.status, onRequired.text).toBe(200);
    expect(onRequired.body.originalWorkflowId).toBe(required.id);
    expect(onRequired.body.id).not.toBe(onInputs.body.id);
  });

  it('on /sync: the same key gives the same answer without running the workflow again', async () => {
    const path = '/inputs/idempotent-sync';
    target.on(path, (_request, index) => ({ body: { call: index } }));
    const workflow = await setupWorkflow(weir, oneCalloutWorkflow({ url: target.url(path) }));
    const key = `sync-${Date.now()}`;
    const first = await workflow.sync({ headers: { 'Idempotency-Key': key } });
    const again = await workflow.sync({ headers: { 'Idempotency-Key': key } });
    expect(first.status, first.text).toBe(200);
    expect(first.body.Callout.ResponseBody).toEqual({ call: 0 });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(target.requestsTo(path)).toHaveLength(1);
    expect(await runCount(workflow)).toBe(1);

    const other = await workflow.sync({ headers: { 'Idempotency-Key': `${key}-b` } });
    expect(other.status, other.text).toBe(200);
    expect(other.body.Callout.ResponseBody).toEqual({ call: 1 });
    expect(target.requestsTo(path)).toHaveLength(2);
  });

  it('on /sync: a repeat while the first run is still going waits for it and answers the same', async () => {
    const path = '/inputs/idempotent-sync-slow';
    target.on(path, (_request, index) => ({ body: { call: index }, delayMs: 800 }));
    const workflow = await setupWorkflow(weir, oneCalloutWorkflow({ url: target.url(path) }));
    const key = `sync-slow-${Date.now()}`;
    const first = workflow.sync({ headers: { 'Idempotency-Key': key } });
    await target.waitForRequests(path, 1);
    const [firstAnswer, secondAnswer] = await Promise.all([
      first,
      workflow.sync({ headers: { 'Idempotency-Key': key } }),
    ]);
    expect(firstAnswer.status, firstAnswer.text).toBe(200);
    expect(secondAnswer.status, secondAnswer.text).toBe(200);
    expect(secondAnswer.body).toEqual(firstAnswer.body);
    expect(target.requestsTo(path)).toHaveLength(1);
    expect(await runCount(workflow)).toBe(1);
  });

  it('takes a key of 255 characters and answers 400 for 256', async () => {
    const ok = await inputs.run({ headers: { 'Idempotency-Key': 'k'.repeat(255) } });
    expect(ok.status, ok.text).toBe(200);
    for (const mode of ['run', 'sync'] as const) {
      expectErrorEnvelope(
        await rejected(inputs, () => inputs[mode]({ headers: { 'Idempotency-Key': 'k'.repeat(256) } })),
        400,
      );
    }
  });

  it('a key that is too long is reported before a missing required input (400, not 406)', async () => {
    expectErrorEnvelope(
      await rejected(required, () => required.run({ headers: { 'Idempotency-Key': 'k'.repeat(256) } })),
      400,
    );
  });
});
