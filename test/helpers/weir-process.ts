import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { httpRequest } from './http.js';
import { sleep } from './runs.js';
import type { ApiClient } from './setup-workflow.js';
import { ADMIN_CLIENT, apiCall, fetchToken, TEST_SECRET_KEY } from './start-weir.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A `weir serve` child process. */
export interface WeirProcess {
  child: ChildProcess;
  url: string;
  /** Everything it wrote to stdout and stderr (the last `outputLimit` characters). */
  output(): string;
  /** Resolves when it has exited. */
  exited: Promise<void>;
  /** A management API client with an admin token. */
  client(): Promise<ApiClient>;
  /** SIGKILL unless it already exited; resolves once it has. */
  kill(): Promise<void>;
  /** SIGTERM (a graceful stop, logs flushed); SIGKILL after `timeoutMs` (default 10 s). */
  stop(timeoutMs?: number): Promise<void>;
}

export interface WeirProcessOptions {
  dataDir: string;
  /** Default `warn`. */
  logLevel?: string;
  /** Characters of output kept; default 20,000. */
  outputLimit?: number;
  /** `WEIR_DATABASE_URL`; default the SQLite file in `dataDir`. */
  databaseUrl?: string;
  /** More environment (e.g. `WEIR_WORKER_CONCURRENCY`, `WEIR_OTEL_ENABLED`, `OTEL_*`), applied last. */
  env?: Record<string, string>;
  /** A built CLI (`dist/weir-cli.js` of a build) to run with plain node instead of `src/cli/main.ts` through tsx. */
  builtEntry?: string;
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts `weir serve` (`node --no-node-snapshot --import tsx src/cli/main.ts serve`, or a build's entry) on a free port over
 * `dataDir`, with the test admin client and secret key from the environment, and waits (160 tries, 250 ms
 * apart) until `GET /health` answers 200. Throws with its output if it exits or never gets healthy.
 */
export async function startWeirProcess(options: WeirProcessOptions): Promise<WeirProcess> {
  const port = await freePort();
  const outputLimit = options.outputLimit ?? 20_000;
  // Only these WEIR_* settings: none inherited from the shell (e.g. a database URL).
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('WEIR_')),
  );
  Object.assign(env, {
    WEIR_PORT: String(port),
    WEIR_HOST: '127.0.0.1',
    WEIR_DATA_DIR: options.dataDir,
    WEIR_SECRET_KEY: TEST_SECRET_KEY,
    WEIR_BOOTSTRAP_CLIENT_ID: ADMIN_CLIENT.clientId,
    WEIR_BOOTSTRAP_CLIENT_SECRET: ADMIN_CLIENT.clientSecret,
    WEIR_LOG_LEVEL: options.logLevel ?? 'warn',
    // The tests' callout targets listen on 127.0.0.1, which the egress policy denies by default.
    WEIR_CALLOUT_ALLOW: '127.0.0.1/32',
    ...(options.databaseUrl !== undefined ? { WEIR_DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  });
  const entry = options.builtEntry === undefined ? ['--import', 'tsx', 'src/cli/main.ts'] : [options.builtEntry];
  const child = spawn(process.execPath, ['--no-node-snapshot', ...entry, 'serve'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-outputLimit);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const url = `http://127.0.0.1:${port}`;
  const weir: WeirProcess = {
    child,
    url,
    output: () => output,
    exited,
    client: async () => {
      const token = await fetchToken(url);
      return {
        url,
        api: (method, urlPath, body, apiOptions) => apiCall(url, token, method, urlPath, body, apiOptions),
      };
    },
    kill: async () => {
      if (!hasExited()) child.kill('SIGKILL');
      await exited;
    },
    stop: async (timeoutMs = 10_000) => {
      if (hasExited()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };

  for (let attempt = 0; attempt < 160; attempt += 1) {
    if (hasExited()) {
      throw new Error(`weir serve exited (${child.exitCode ?? child.signalCode}) before it was healthy:\n${output}`);
    }
    try {
      const health = await httpRequest(`${url}/health`, { timeoutMs: 2_000 });
      if (health.status === 200) return weir;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  await weir.kill();
  throw new Error(`weir serve was not healthy after 160 tries:\n${output}`);
}
