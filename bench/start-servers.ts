import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ServerProcess } from './server-process.js';
import { waitForHealth } from './weir-client.js';

/** The repository root: children run from here so `--import tsx` and `src/...` resolve. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The node flags both servers get: the same loader and snapshot setting, so they start equal. */
const NODE_FLAGS = ['--no-node-snapshot', '--import', 'tsx'];

const ORPHAN_GUARD_URL = pathToFileURL(path.join(REPO_ROOT, 'bench', 'orphan-guard.ts')).href;

/**
 * Settings the benchmark fixes for Weir; inherited values would make the run irreproducible
 * (another database, another URL). Other `WEIR_*` variables (e.g. `WEIR_WORKER_CONCURRENCY`)
 * pass through, and the report lists them.
 */
const OVERRIDDEN_WEIR_VARIABLES = new Set([
  'WEIR_PORT',
  'WEIR_HOST',
  'WEIR_DATA_DIR',
  'WEIR_DATABASE_URL',
  'WEIR_SECRET_KEY',
  'WEIR_BOOTSTRAP_CLIENT_ID',
  'WEIR_BOOTSTRAP_CLIENT_SECRET',
  'WEIR_PUBLIC_URL',
  'WEIR_LOG_LEVEL',
  'WEIR_CALLOUT_ALLOW',
]);

/** `WEIR_*` variables of this environment that reach the Weir server unchanged. */
export function inheritedWeirVariables(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('WEIR_') && !OVERRIDDEN_WEIR_VARIABLES.has(name))
    .sort()
    .map((name) => `${name}=${env[name] ?? ''}`);
}

/** A free TCP port on 127.0.0.1 (bound and released: another process could take it first, rarely). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

export interface StartedBare {
  server: ServerProcess;
  /** The route the baseline is measured on. */
  url: string;
}

/** Starts bench/bare-server.ts and waits until it listens. */
export async function startBareServer(cpu: number | null, timeoutMs: number): Promise<StartedBare> {
  const server = new ServerProcess({
    name: 'bare fastify',
    nodeArgs: [...NODE_FLAGS, path.join('bench', 'bare-server.ts')],
    cwd: REPO_ROOT,
    env: { ...process.env, BARE_PORT: '0' },
    cpu,
  });
  const match = await server.waitForLine(/^BARE_LISTENING (\d+)$/, timeoutMs);
  return { server, url: `http://127.0.0.1:${match[1] ?? ''}/api/v1/workflows/1/sync` };
}

export interface StartedFloor {
  server: ServerProcess;
  url: string;
  /** The SQLite settings the floor reports having in effect, e.g. `journal_mode=wal synchronous=2`. */
  sqlite: string;
}

/** Starts bench/floor-server.ts writing to `dbFile` and waits until it listens. */
export async function startFloorServer(options: {
  cpu: number | null;
  dbFile: string;
  timeoutMs: number;
}): Promise<StartedFloor> {
  const server = new ServerProcess({
    name: 'durable-write floor',
    nodeArgs: [...NODE_FLAGS, path.join('bench', 'floor-server.ts')],
    cwd: REPO_ROOT,
    env: { ...process.env, FLOOR_DB_FILE: options.dbFile },
    cpu: options.cpu,
  });
  const match = await server.waitForLine(/^FLOOR_LISTENING (\d+) (.*)$/, options.timeoutMs);
  return { server, url: `http://127.0.0.1:${match[1] ?? ''}/api/v1/workflows/1/sync`, sqlite: match[2] ?? '' };
}

export interface StartedWeir {
  server: ServerProcess;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Milliseconds from spawn to the first `GET /health` 200. */
  startMs: number;
}

/** Which Weir a server runs: a CLI entry, and whether with plain node (a build) or through tsx. */
export interface WeirLaunch {
  /** The CLI entry, relative to the repository root or absolute, e.g. `src/cli/main.ts` or a build's. */
  entry: string;
  /**
   * Run `entry` (a build) with plain node, as `npm start` does: no tsx loader; `guardUrl` is the orphan
   * guard as JavaScript (bench/production-build.ts). Default: through tsx, like the other servers.
   */
  plainNode?: { guardUrl: string };
}

export interface StartWeirOptions extends WeirLaunch {
  cpu: number | null;
  /** A fresh, empty directory: the SQLite file goes here. */
  dataDir: string;
  timeoutMs: number;
  /** `WEIR_DATABASE_URL`; default the SQLite file in `dataDir`. */
  databaseUrl?: string;
  /** A secret key shared by several nodes; default a random one. */
  secretKey?: string;
  /** The bootstrap client, shared by several nodes; default a random secret. */
  client?: { clientId: string; clientSecret: string };
  /** Shown in messages; default `weir`. */
  name?: string;
  /** More node flags, e.g. `--cpu-prof` (NODE_OPTIONS refuses it). */
  nodeFlags?: string[];
  /** More environment, applied last, e.g. `{WEIR_WORKER_CONCURRENCY: '0'}` for a node that claims nothing. */
  env?: Record<string, string>;
  /** How often `GET /health` is polled while starting, in ms; default 100. Lower it to time a start finely. */
  healthPollMs?: number;
}

/**
 * Starts `node --no-node-snapshot --import tsx src/cli/main.ts serve` (or `options.entry`) on a free loopback port with a
 * fresh data dir (so the store is the real embedded SQLite with its durable settings), a random
 * secret key and a bootstrap OAuth client; waits for `GET /health` 200.
 */
export async function startWeirServer(options: StartWeirOptions): Promise<StartedWeir> {
  const port = await freePort();
  const clientId = options.client?.clientId ?? 'weir-bench';
  const clientSecret = options.client?.clientSecret ?? randomBytes(24).toString('hex');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of OVERRIDDEN_WEIR_VARIABLES) delete env[name];
  Object.assign(env, {
    WEIR_PORT: String(port),
    WEIR_HOST: '127.0.0.1',
    WEIR_DATA_DIR: options.dataDir,
    WEIR_SECRET_KEY: options.secretKey ?? randomBytes(32).toString('hex'),
    WEIR_BOOTSTRAP_CLIENT_ID: clientId,
    WEIR_BOOTSTRAP_CLIENT_SECRET: clientSecret,
    WEIR_LOG_LEVEL: 'warn',
    // The benchmark's callout targets listen on 127.0.0.1, which the egress policy denies by default.
    WEIR_CALLOUT_ALLOW: '127.0.0.1/32',
    ...(options.databaseUrl !== undefined ? { WEIR_DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  });
  const started = Date.now();
  const server = new ServerProcess({
    name: options.name ?? 'weir',
    // The orphan guard comes after tsx (it is TypeScript) and before the CLI.
    nodeArgs:
      options.plainNode === undefined
        ? [...NODE_FLAGS, ...(options.nodeFlags ?? []), '--import', ORPHAN_GUARD_URL, options.entry, 'serve']
        : [
            '--no-node-snapshot',
            ...(options.nodeFlags ?? []),
            '--import',
            options.plainNode.guardUrl,
            options.entry,
            'serve',
          ],
    cwd: REPO_ROOT,
    env,
    cpu: options.cpu,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(baseUrl, options.timeoutMs, () => !server.hasExited, options.healthPollMs);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Weir did not start: ${message}. ${server.describeExit()}.${server.tailForError()}`);
  }
  return { server, baseUrl, clientId, clientSecret, startMs: Date.now() - started };
}
