import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { httpRequest } from './helpers/http.js';
import { must, setupWorkflow, trigger, type WorkflowSettings } from './helpers/setup-workflow.js';
import { ADMIN_CLIENT, fetchToken, startTestWeir, TEST_SECRET_KEY, type TestWeir } from './helpers/start-weir.js';
import { startWeirProcess, type WeirProcess } from './helpers/weir-process.js';
import { responseFormatterWorkflow } from './helpers/workflows.js';

/**
 * shared/contract/api.md "Trigger API", credentials: stored encrypted at rest, never logged.
 * (docs/decisions.md: OAuth client secrets are kept as a hash.)
 */

const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? filesUnder(full) : Promise.resolve([full]);
    }),
  );
  return nested.flat();
}

/** The secrets of a workflow's settings: its API token and basic password. */
function secretsOf(settings: WorkflowSettings): string[] {
  return [settings.api_token, settings.basic_auth.password];
}

describe('trigger credentials at rest', () => {
  let weir: TestWeir;

  it('no file in the data dir holds an API token, a basic password, a client secret or the secret key in plain text', async () => {
    weir = await startTestWeir();
    cleanups.push(() => weir.close());
    const workflow = await setupWorkflow(weir, responseFormatterWorkflow({ template: '{"ok": true}' }));
    const secrets = [...secretsOf(workflow.settings)];
    expect((await workflow.run()).status).toBe(200);
    expect((await workflow.sync({ auth: workflow.basicAuth })).status).toBe(200);
    const rotated = must(await weir.api('POST', `/workflows/${workflow.id}/settings/rotate`), 200, 'rotate');
    secrets.push(...secretsOf(rotated as WorkflowSettings));
    await workflow.refreshSettings();
    expect((await workflow.run()).status).toBe(200);

    const files = await filesUnder(weir.dataDir);
    expect(files.length).toBeGreaterThan(0);
    const contents = await Promise.all(files.map(async (file) => ({ file, bytes: await readFile(file) })));
    // The store did write what the workflow is made of: the check below looks at the right files.
    expect(contents.some(({ bytes }) => bytes.includes(Buffer.from(String(workflow.workflow.name))))).toBe(true);
    for (const secret of [...secrets, ADMIN_CLIENT.clientSecret, TEST_SECRET_KEY]) {
      const holders = contents
        .filter(({ bytes }) => bytes.includes(Buffer.from(secret, 'utf8')))
        .map(({ file }) => file);
      expect(holders, `files holding "${secret.slice(0, 4)}…"`).toEqual([]);
    }
  });
});

describe('trigger credentials in the logs', () => {
  let weir: WeirProcess;

  it('weir serve at log level trace writes no credential, token or secret', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'weir-logs-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    weir = await startWeirProcess({ dataDir, logLevel: 'trace', outputLimit: 20_000_000 });
    cleanups.push(() => weir.kill());

    const accessToken = await fetchToken(weir.url);
    const client = await weir.client();
    const workflow = await setupWorkflow(client, responseFormatterWorkflow({ template: '{"ok": true}' }));
    const secrets = [...secretsOf(workflow.settings)];

    expect((await workflow.run()).status).toBe(200);
    expect((await workflow.sync({ method: 'GET', auth: workflow.basicAuth })).status).toBe(200);
    // Rejected attempts: a credential that is almost right, and the right one in the query string.
    expect((await workflow.run({ auth: { apiToken: `${workflow.settings.api_token}x` } })).status).toBe(401);
    const inQuery = await trigger(weir.url, workflow.id, 'run', { query: { api_token: workflow.settings.api_token } });
    expect(inQuery.status).toBe(401);
    const rotated = must(await client.api('POST', `/workflows/${workflow.id}/settings/rotate`), 200, 'rotate');
    secrets.push(...secretsOf(rotated as WorkflowSettings));
    const probe = await httpRequest(`${weir.url}/workflows`, { headers: { Authorization: `Bearer ${accessToken}` } });
    expect(probe.status).toBe(200);

    await weir.stop();
    const output = weir.output();
    // The stream is captured (Weir prints at least where it listens); what it holds must not leak.
    expect(output.length).toBeGreaterThan(0);
    for (const secret of [...secrets, accessToken, ADMIN_CLIENT.clientSecret, TEST_SECRET_KEY]) {
      expect(output.includes(secret), `the log holds "${secret.slice(0, 4)}…"`).toBe(false);
    }
  });
});
