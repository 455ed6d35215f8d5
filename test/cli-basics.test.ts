import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, runCli, type CliResult } from './helpers/cli.js';
import { fetchToken, startTestWeir, type TestWeir } from './helpers/start-weir.js';

const PACKAGE = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** Every command and subcommand, each of which must answer `--help`. */
const COMMANDS = [
  [],
  ['serve'],
  ['clients'],
  ['clients', 'create'],
  ['clients', 'list'],
  ['clients', 'revoke'],
  ['workflows'],
  ['workflows', 'list'],
  ['workflows', 'show'],
  ['workflows', 'import'],
  ['workflows', 'export'],
  ['workflows', 'activate'],
  ['workflows', 'deactivate'],
  ['workflows', 'delete'],
  ['run'],
  ['runs'],
  ['runs', 'list'],
  ['runs', 'show'],
  ['runs', 'watch'],
  ['runs', 'stop'],
  ['tasks'],
  ['tasks', 'rerun'],
  ['approvals'],
  ['approvals', 'approve'],
  ['approvals', 'reject'],
];

/** Runs `work` over `items`, `limit` at a time (each item is a child process). */
async function eachLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index] as T);
      }
    }),
  );
  return results;
}

// Each step is a `weir` child process (1-3 s each on a loaded machine), hence the longer timeout.
describe('CLI: help, version, usage errors, clients', { timeout: 180_000 }, () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'weir-cli-basics-'));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('answers --help on every command with its usage and exit 0, and --version with package.json', async () => {
    const results = await eachLimited(COMMANDS, 3, (command) => runCli([...command, '--help']));
    results.forEach((result: CliResult, i) => {
      const command = COMMANDS[i] ?? [];
      expect(result.code, `weir ${command.join(' ')} --help: ${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: weir${command.map((c) => ` ${c}`).join('')}( |$)`, 'm'));
      expect(result.stdout).toContain('-h, --help');
    });
    const [top, serve, run] = [results[0], results[1], results[14]];
    expect(top?.stdout).toContain('Exit codes: 0 ok; 1 the run failed');
    expect(serve?.stdout).toContain('--port <n>');
    expect(serve?.stdout).toContain('--data-dir <dir>');
    expect(run?.stdout).toContain('--input <name=value>');
    expect(run?.stdout).toContain('env: WEIR_URL');

    const version = await runCli(['--version']);
    expect(version).toEqual({ code: 0, stdout: `${PACKAGE.version}\n`, stderr: '' });
  });

  it('exits 2 with a sentence on an unknown command, option or malformed argument', async () => {
    const [unknownCommand, unknownOption, badId, badPort] = await Promise.all([
      runCli(['frobnicate']),
      runCli(['workflows', 'list', '--colour']),
      runCli(['runs', 'show', 'abc']),
      runCli(['serve', '--port', 'eighty']),
    ]);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain("error: unknown command 'frobnicate'");
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("error: unknown option '--colour'");
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain(
      "error: command-argument value 'abc' is invalid for argument 'id'. id must be a positive whole number.",
    );
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('a port is 0 to 65535.');
  });

  it('refuses a folder without Weir data unless --create, then creates, lists and revokes clients', async () => {
    const dataDir = path.join(scratch, 'data');
    const refused = await runCli(['clients', 'create', '--name', 'ci', '--data-dir', dataDir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `weir: No Weir database at ${path.join(dataDir, 'weir.db')}. Point --data-dir (or WEIR_DATA_DIR, or --database-url) ` +
        'at the data of your Weir, or add --create to start a new one.\n',
    );
    expect(existsSync(dataDir)).toBe(false);
    // Run from a folder with no data: nothing is created there either.
    const inEmptyFolder = await runCli(['clients', 'list'], { cwd: scratch });
    expect(inEmptyFolder.code).toBe(2);
    expect(existsSync(path.join(scratch, 'weir-data'))).toBe(false);

    const created = await runCli([
      'clients',
      'create',
      '--name',
      'ci',
      '--scopes',
      'workflow:view',
      '--data-dir',
      dataDir,
      '--create',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const client = jsonOf(created);
    expect(client).toEqual({
      client_id: expect.stringMatching(/^weir_/),
      client_secret: expect.any(String),
      scopes: ['workflow:view'],
    });
    expect(existsSync(path.join(dataDir, 'weir.db'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'secret.key'))).toBe(true);

    const listed = await runCli(['clients', 'list', '--data-dir', dataDir]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${client.client_id}\\s+ci\\s+workflow:view\\s+active$`, 'm'));

    const revoked = await runCli(['clients', 'revoke', client.client_id, '--data-dir', dataDir]);
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked ${client.client_id}.\n` });
    const again = await runCli(['clients', 'revoke', client.client_id, '--data-dir', dataDir]);
    expect(again).toMatchObject({ code: 3, stderr: `weir: No active client has the id ${client.client_id}.\n` });
  });

  it('creates a client a running Weir accepts (the same data dir, no --create needed)', async () => {
    let weir: TestWeir | undefined;
    try {
      weir = await startTestWeir();
      const created = await runCli(['clients', 'create', '--name', 'ops', '--json'], {
        env: { WEIR_DATA_DIR: weir.dataDir, WEIR_SECRET_KEY: weir.running.config.secretKey ?? '' },
      });
      expect(created.code, created.stderr).toBe(0);
      const client = jsonOf(created);
      const token = await fetchToken(weir.url, { clientId: client.client_id, clientSecret: client.client_secret });
      expect(token.length).toBeGreaterThan(20);
    } finally {
      await weir?.close();
    }
  });
});
