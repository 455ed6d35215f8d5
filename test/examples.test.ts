import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDocument } from '../src/model/workflow-document.js';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import type { JsonBody } from './helpers/http.js';
import { waitForRun } from './helpers/runs.js';
import { setupWorkflow } from './helpers/setup-workflow.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';

/**
 * Every workflow file in examples/ imports and runs green. Each `<name>.json` has a sidecar
 * `<name>.expect.json` saying how to run it:
 *
 * - `mode`: `sync` (answer of `/sync`) or `run` (`/run`, then the run is followed);
 * - `inputs`: the request's JSON body; `status`: the trigger's HTTP status;
 * - `body` (optional): a subset the answer must contain (`/sync`: the response; `/run`: the run metadata);
 * - `run` (optional, `run` mode): a subset `GET /workflows/workflow_runs/{id}` must reach, default
 *   `{"status": "Finished", "result": "Success"}`;
 * - `needs` (optional): `callout-target` (the literal `http://callout-target.invalid` in the file is
 *   replaced by a local HTTP server's URL; `target` maps its paths to replies) and `smtp` (Weir sends
 *   to a local SMTP server, which must receive one message).
 */

const EXAMPLES = path.resolve(import.meta.dirname, '../examples');
const TARGET_PLACEHOLDER = 'http://callout-target.invalid';
const NEEDS = ['callout-target', 'smtp'] as const;

interface Sidecar {
  mode: 'sync' | 'run';
  inputs: Record<string, unknown>;
  status: number;
  body?: unknown;
  run?: Record<string, unknown>;
  needs?: (typeof NEEDS)[number][];
  target?: Record<string, { status?: number; body?: unknown }>;
}

const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));
const workflows = files.filter((f) => !f.endsWith('.expect.json'));
const sidecars = files.filter((f) => f.endsWith('.expect.json'));

/** Reads and checks a sidecar, so a typo in one fails with its name instead of a puzzling run. */
function readSidecar(file: string): Sidecar {
  const sidecar = JSON.parse(readFileSync(path.join(EXAMPLES, file), 'utf8')) as Sidecar;
  const problems: string[] = [];
  if (sidecar.mode !== 'sync' && sidecar.mode !== 'run') problems.push('mode must be "sync" or "run"');
  if (typeof sidecar.inputs !== 'object' || sidecar.inputs === null) problems.push('inputs must be an object');
  if (!Number.isInteger(sidecar.status)) problems.push('status must be an integer');
  if (sidecar.run !== undefined && sidecar.mode !== 'run') problems.push('run is only for mode "run"');
  for (const need of sidecar.needs ?? []) if (!NEEDS.includes(need)) problems.push(`unknown need "${need}"`);
  if (sidecar.target !== undefined && !sidecar.needs?.includes('callout-target')) {
    problems.push('target needs "callout-target" in needs');
  }
  if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  return sidecar;
}

let weir: TestWeir;
let target: CalloutTarget;
let smtp: SmtpSink;

beforeAll(async () => {
  [target, smtp] = await Promise.all([startCalloutTarget(), startSmtpSink()]);
  weir = await startTestWeir({ smtpUrl: smtp.url(), smtpFrom: 'Weir examples <examples@weir.test>' });
});
afterAll(async () => {
  await weir?.close();
  await Promise.all([target?.close(), smtp?.close()]);
});

describe('examples/', () => {
  it('pairs every workflow file with a sidecar, and every sidecar with a workflow file', () => {
    expect(workflows.length).toBeGreaterThan(0);
    expect(sidecars.map((f) => f.replace(/\.expect\.json$/, '.json')).sort()).toEqual([...workflows].sort());
  });

  it.each(workflows)('%s imports and runs as its sidecar says', async (file) => {
    const sidecar = readSidecar(file.replace(/\.json$/, '.expect.json'));
    const needs = new Set(sidecar.needs ?? []);
    const text = readFileSync(path.join(EXAMPLES, file), 'utf8');
    if (!needs.has('callout-target')) {
      expect(text, `${file} calls ${TARGET_PLACEHOLDER} but does not need callout-target`).not.toContain(
        TARGET_PLACEHOLDER,
      );
    }
    const document = JSON.parse(text.replaceAll(TARGET_PLACEHOLDER, target.baseUrl)) as WorkflowDocument;
    for (const [targetPath, reply] of Object.entries(sidecar.target ?? {})) target.on(targetPath, reply);
    const mailsBefore = smtp.messages.length;

    const workflow = await setupWorkflow(weir, document);
    const trigger = sidecar.mode === 'sync' ? workflow.sync : workflow.run;
    const response = await trigger({ json: sidecar.inputs });
    expect(response.status, response.text).toBe(sidecar.status);
    if (sidecar.body !== undefined) expectSubset(response.body, sidecar.body, response.text);

    if (sidecar.mode === 'run') {
      const expected = sidecar.run ?? { status: 'Finished', result: 'Success' };
      const run = await waitForRun(weir, response.body.id as number, {
        until: (current: JsonBody) => Object.entries(expected).every(([k, v]) => isDeepStrictEqual(current[k], v)),
        what: `matching ${JSON.stringify(expected)}`,
      });
      expect(run).toMatchObject(expected);
    }
    for (const targetPath of Object.keys(sidecar.target ?? {})) {
      expect(target.requestsTo(targetPath).length, `requests to ${targetPath}`).toBeGreaterThan(0);
    }
    if (needs.has('smtp')) expect(smtp.messages.length - mailsBefore).toBe(1);
  });
});

function expectSubset(actual: JsonBody, expected: unknown, context: string): void {
  if (typeof expected === 'object' && expected !== null) expect(actual, context).toMatchObject(expected);
  else expect(actual, context).toEqual(expected);
}
