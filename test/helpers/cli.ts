import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** tsx by path, not by name: a name is resolved from the working directory, which a test may move. */
const TSX = pathToFileURL(`${ROOT}/node_modules/tsx/dist/loader.mjs`).href;

/** What one `weir` invocation did. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Extra environment; no WEIR_* variable of the shell is inherited. */
  env?: Record<string, string>;
  /** Working directory; default the repository root. */
  cwd?: string;
  /** Default 60 s: the child is killed and the promise rejects after it. */
  timeoutMs?: number;
}

/**
 * Runs the real command line (`node --no-node-snapshot --import tsx src/cli/main.ts ...args`) as a
 * child process, as a user's shell would, and resolves when it exits.
 */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('WEIR_')),
  );
  Object.assign(env, options.env);
  const child = spawn(process.execPath, ['--no-node-snapshot', '--import', TSX, `${ROOT}/src/cli/main.ts`, ...args], {
    cwd: options.cwd ?? ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`weir ${args.join(' ')} did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `runCli` connected to a Weir at `url` with a bearer `token` (through WEIR_URL / WEIR_TOKEN). */
export function cliAgainst(url: string, token: string) {
  return (args: readonly string[], options: CliOptions = {}): Promise<CliResult> =>
    runCli(args, { ...options, env: { WEIR_URL: url, WEIR_TOKEN: token, ...options.env } });
}

/** The CLI's stdout parsed as JSON (throws with the output when it is not). */
export function jsonOf(result: CliResult): ReturnType<typeof JSON.parse> {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}
