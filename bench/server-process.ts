import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A server the benchmark started as a child process, and the registry that makes sure none
 * outlives the benchmark: `stopAllServers` (graceful, awaited) at the end and on SIGINT,
 * `killAllServersNow` (synchronous SIGKILL) from the `exit` handler as the last resort.
 * bench/orphan-guard.ts covers the benchmark itself being SIGKILLed.
 */

export interface ServerProcessOptions {
  /** Shown in messages: "bare fastify", "weir". */
  name: string;
  /** Arguments after the node executable (flags, then the script and its arguments). */
  nodeArgs: string[];
  cwd: string;
  /** The child's whole environment. `BENCH_PARENT_PID` is added for the orphan guard. */
  env: NodeJS.ProcessEnv;
  /** Pin the child to this CPU with `taskset -c`, or null to leave it unpinned. */
  cpu: number | null;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How many output lines are kept for error messages. */
const TAIL_LINES = 60;

const live = new Set<ServerProcess>();

export class ServerProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** Resolves when the child has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  private readonly child: ChildProcess;
  private readonly tail: string[] = [];
  private outputLineCount = 0;
  private exitInfo: ExitInfo | null = null;
  private readonly lineListeners = new Set<(line: string) => void>();

  constructor(options: ServerProcessOptions) {
    this.name = options.name;
    const env = { ...options.env, BENCH_PARENT_PID: String(process.pid) };
    const [command, args] =
      options.cpu === null
        ? [process.execPath, options.nodeArgs]
        : ['taskset', ['-c', String(options.cpu), process.execPath, ...options.nodeArgs]];
    this.child = spawn(command, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.child.pid;
    live.add(this);
    this.exited = new Promise<ExitInfo>((resolve) => {
      const finish = (info: ExitInfo): void => {
        if (this.exitInfo !== null) return;
        this.exitInfo = info;
        live.delete(this);
        resolve(info);
      };
      this.child.once('exit', (code, signal) => finish({ code, signal }));
      this.child.once('error', (error) => {
        this.remember(`(could not start: ${error.message})`);
        finish({ code: null, signal: null });
      });
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.remember(line));
    }
  }

  get hasExited(): boolean {
    return this.exitInfo !== null;
  }

  /** Lines the child wrote (stdout and stderr), for messages; the last `TAIL_LINES`. */
  outputTail(lines = 20): string[] {
    return this.tail.slice(-lines);
  }

  get outputLines(): number {
    return this.outputLineCount;
  }

  describeExit(): string {
    const info = this.exitInfo;
    if (info === null) return `${this.name} is running`;
    return `${this.name} exited (${info.signal !== null ? `signal ${info.signal}` : `code ${String(info.code)}`})`;
  }

  /**
   * Waits for an output line matching `pattern`. Rejects when the child exits first or after
   * `timeoutMs`, with the child's last output in the message.
   */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const seen = this.tail.map((line) => line.match(pattern)).find((match) => match !== null);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.lineListeners.delete(onLine);
      };
      const onLine = (line: string): void => {
        const match = line.match(pattern);
        if (match === null) return;
        cleanup();
        resolve(match);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `${this.name} did not print ${String(pattern)} within ${timeoutMs / 1000} s.${this.tailForError()}`,
          ),
        );
      }, timeoutMs);
      this.lineListeners.add(onLine);
      void this.exited.then(() => {
        if (!this.lineListeners.has(onLine)) return;
        cleanup();
        reject(new Error(`${this.describeExit()} before it was ready.${this.tailForError()}`));
      });
    });
  }

  /** The child's last output, formatted to append to an error message. */
  tailForError(lines = 20): string {
    const tail = this.outputTail(lines);
    return tail.length === 0
      ? ` (${this.name} printed nothing)`
      : `\n--- last output of ${this.name} ---\n${tail.join('\n')}\n---`;
  }

  /** Sends `signal` to the server, if it still runs (e.g. SIGUSR2 to `bench/allocation-sampler.ts`). */
  signal(signal: NodeJS.Signals): void {
    if (!this.hasExited) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves with whether it stopped within the grace period. */
  async stop(graceMs: number): Promise<boolean> {
    if (this.hasExited) return true;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const outcome = await Promise.race([this.exited.then(() => 'exited' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'exited') return true;
    this.killNow();
    await this.exited;
    return false;
  }

  /** SIGKILL, synchronously; safe to call from an `exit` handler. */
  killNow(): void {
    if (this.hasExited) return;
    try {
      this.child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }

  private remember(line: string): void {
    this.outputLineCount += 1;
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    for (const listener of this.lineListeners) listener(line);
  }
}

/** Stops every server still running (SIGTERM, SIGKILL after `graceMs`); returns the names of those that needed SIGKILL. */
export async function stopAllServers(graceMs: number): Promise<string[]> {
  const servers = [...live];
  const graceful = await Promise.all(servers.map((server) => server.stop(graceMs)));
  return servers.filter((_, index) => !graceful[index]).map((server) => server.name);
}

/** SIGKILLs every server still running. Synchronous: for `process.on('exit')`. */
export function killAllServersNow(): void {
  for (const server of live) server.killNow();
}
