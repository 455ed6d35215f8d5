import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAgainst, jsonOf, runCli } from './helpers/cli.js';
import { freePort } from './helpers/weir-process.js';
import { ADMIN_CLIENT, startTestWeir, type TestWeir } from './helpers/start-weir.js';

const HELLO = fileURLToPath(new URL('../examples/hello.json', import.meta.url));

/** `weir workflows ...` and the connection options, against a real Weir over HTTP. */
// Each step is a `weir` child process (1-3 s each on a loaded machine), hence the longer timeout.
describe('CLI: workflows and credentials', { timeout: 180_000 }, () => {
  let weir: TestWeir;
  let cli: ReturnType<typeof cliAgainst>;
  let scratch: string;

  beforeAll(async () => {
    weir = await startTestWeir();
    cli = cliAgainst(weir.url, weir.token);
    scratch = await mkdtemp(path.join(tmpdir(), 'weir-cli-'));
  });

  afterAll(async () => {
    await weir?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('lists no workflows on a fresh Weir, then imports, shows, activates, exports, deactivates and deletes one', async () => {
    const empty = await cli(['workflows', 'list']);
    expect(empty, empty.stderr).toMatchObject({ code: 0, stdout: 'No workflows.\n' });

    const imported = await cli(['workflows', 'import', HELLO, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const workflow = jsonOf(imported);
    expect(workflow).toMatchObject({ name: 'Hello', status: 'Inactive', active_version: null });
    const id = workflow.id as number;

    const listed = await cli(['workflows', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATUS\s+VERSION\s+TRIGGERS$/);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+Hello\\s+Inactive\\s+-\\s+ondemand$`, 'm'));

    const activated = await cli(['workflows', 'activate', String(id), '--callout-trigger', '--sync-trigger']);
    expect(activated, activated.stderr).toMatchObject({
      code: 0,
      stdout: `Workflow ${id} is Active; triggers on: callout,sync,ondemand.\n`,
    });
    const api = await weir.api('GET', `/workflows/${id}`);
    expect(api.body).toMatchObject({ status: 'Active', calloutTrigger: true, syncTrigger: true });

    const shown = await cli(['workflows', 'show', String(id)]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Workflow ${id}: Hello\n  status:         Active\n  active version: 0.0.1\n`);
    expect(shown.stdout).toContain('  triggers on:    callout,sync,ondemand\n');
    const shownJson = await cli(['workflows', 'show', String(id), '--json']);
    expect(jsonOf(shownJson)).toEqual((await weir.api('GET', `/workflows/${id}`)).body);

    const exported = await cli(['workflows', 'export', String(id)]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(jsonOf(exported)).toEqual((await weir.api('GET', `/workflows/${id}/export`)).body);
    const file = path.join(scratch, 'hello-export.json');
    const toFile = await cli(['workflows', 'export', String(id), '-o', file]);
    expect(toFile).toMatchObject({ code: 0, stdout: '' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(jsonOf(exported));

    const deactivated = await cli(['workflows', 'deactivate', String(id)]);
    expect(deactivated).toMatchObject({ code: 0, stdout: `Workflow ${id} is Inactive.\n` });

    const deleted = await cli(['workflows', 'delete', String(id)]);
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted workflow ${id}.\n` });
    const gone = await cli(['workflows', 'show', String(id)]);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toBe(`weir: GET /workflows/${id}: 404 Workflow ${id} does not exist.\n`);
  });

  it('imports with --activate and refuses a file that is not JSON (2) or not a workflow (3)', async () => {
    const activated = await cli(['workflows', 'import', HELLO, '--activate']);
    expect(activated.code, activated.stderr).toBe(0);
    expect(activated.stdout).toMatch(/^Imported workflow \d+: Hello \(Active, active version 0\.0\.1\)\n$/);

    const notJson = path.join(scratch, 'not-json.json');
    await writeFile(notJson, '{"workflow": ');
    const badJson = await cli(['workflows', 'import', notJson]);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/^weir: .*not-json\.json is not JSON: /);

    const missing = await cli(['workflows', 'import', path.join(scratch, 'nowhere.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^weir: Cannot read .*nowhere\.json: ENOENT/);

    const notWorkflow = path.join(scratch, 'unknown-task.json');
    const document = JSON.parse(await readFile(HELLO, 'utf8'));
    document.tasks[0].action_type = 'Nonsense::Task';
    await writeFile(notWorkflow, JSON.stringify(document));
    const refused = await cli(['workflows', 'import', notWorkflow]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^weir: POST \/workflows\/import: 400 .*Nonsense::Task.*\(field tasks/);
  });

  it('exchanges --client-id/--client-secret for a token, and tells apart refused credentials (4) from an unreachable server (5)', async () => {
    const noToken = { WEIR_URL: weir.url };
    const withClient = await runCli(
      [
        'workflows',
        'list',
        '--json',
        '--client-id',
        ADMIN_CLIENT.clientId,
        '--client-secret',
        ADMIN_CLIENT.clientSecret,
      ],
      { env: noToken },
    );
    expect(withClient.code, withClient.stderr).toBe(0);
    expect(jsonOf(withClient).pagination).toEqual({ page: 1, page_length: 20, next_page: null });

    const fromEnv = await runCli(['workflows', 'list', '--json'], {
      env: { ...noToken, WEIR_CLIENT_ID: ADMIN_CLIENT.clientId, WEIR_CLIENT_SECRET: ADMIN_CLIENT.clientSecret },
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);

    const wrongSecret = await runCli(
      ['workflows', 'list', '--client-id', ADMIN_CLIENT.clientId, '--client-secret', 'not-the-secret-000'],
      { env: noToken },
    );
    expect(wrongSecret).toMatchObject({
      code: 4,
      stderr: 'weir: The client credentials were refused at POST /oauth/token: 401 invalid_client\n',
    });

    const badToken = await cli(['workflows', 'list'], { env: { WEIR_TOKEN: 'not-a-token' } });
    expect(badToken.code).toBe(4);
    expect(badToken.stderr).toMatch(/^weir: GET \/workflows: 401 /);

    const none = await runCli(['workflows', 'list'], { env: noToken });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('No credentials: give --token (or WEIR_TOKEN)');

    const port = await freePort();
    const unreachable = await runCli(['workflows', 'list', '--url', `http://127.0.0.1:${port}`, '--token', 't']);
    expect(unreachable).toMatchObject({
      code: 5,
      stderr: `weir: Cannot reach Weir at http://127.0.0.1:${port} (GET /workflows): ECONNREFUSED\n`,
    });
  });
});
