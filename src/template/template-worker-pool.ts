import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorkerScript } from '../worker-script.js';
import type { JsonValue } from '../model/records.js';
import type { JsonataLimits, LiquidLimits } from './template-limits.js';
import { TemplateError, type TemplateScope } from './template-engine.js';

/**
 * Renders that outgrow their slice of the event loop finish here, in worker threads, where a
 * budget can be enforced without freezing the server: liquidjs and JSONata check their clocks
 * only between steps, and on the main thread every step of a 10 s render held up every request.
 *
 * Why not every render: a round trip to a worker costs ~50-100 µs plus copying the scope; a
 * typical render on the main thread costs 2-5 µs, and the responsive path renders one per task.
 * So each render starts on the main thread with a small slice (liquid.ts, jsonata.ts) and only
 * those that exceed it (rare, heavy or hostile) are run again here with the full budget. Renders
 * are pure, so running one again changes nothing but time.
 *
 * At most one worker per core, each running one job at a time: its wall time is then its CPU
 * time. A worker stuck in one uninterruptible step (a huge sort) past its budget + 1 s is
 * terminated and replaced.
 */

/** A Liquid or JSONata job as sent to a worker. */
export type TemplateJob =
  | {
      id: number;
      kind: 'liquid';
      source: string;
      strictVariables: boolean;
      limits: LiquidLimits;
      scope: TemplateScope;
      isCapturingAssigns: boolean;
    }
  | {
      id: number;
      kind: 'jsonata';
      expression: string;
      limits: JsonataLimits;
      input: JsonValue;
      bindings: Record<string, JsonValue> | undefined;
    };

/** A worker's answer. */
export type TemplateJobResult =
  | { id: number; ok: true; output?: string; assigns?: Record<string, JsonValue>; value?: JsonValue }
  | { id: number; ok: false; message: string; templateKind: 'Liquid' | 'JSONata' };

type JobInput = TemplateJob extends infer J ? (J extends TemplateJob ? Omit<J, 'id'> : never) : never;

/** After the budget, how long the pool waits before terminating a worker itself. */
const BACKSTOP_GRACE_MS = 1_000;
/** Heap of one worker; a render past it fails with "out of memory" instead of growing the server. */
const WORKER_HEAP_MB = 512;

interface Pending {
  job: TemplateJob;
  resolve(result: TemplateJobResult): void;
}

class TemplateWorker {
  private readonly worker: Worker;
  private current: (Pending & { timer: NodeJS.Timeout }) | null = null;
  isDead = false;

  constructor(private readonly onIdle: (worker: TemplateWorker) => void) {
    this.worker = spawnWorker();
    this.worker.unref();
    this.worker.on('message', (result: TemplateJobResult) => this.finish(result));
    this.worker.on('error', (error) => this.fail(`the template worker failed: ${error.message}`));
    this.worker.on('exit', () => this.fail('the template worker stopped'));
  }

  get isBusy(): boolean {
    return this.current !== null;
  }

  start(pending: Pending): void {
    const budget = pending.job.kind === 'liquid' ? pending.job.limits.renderMs : pending.job.limits.timeoutMs;
    const timer = setTimeout(() => {
      this.fail(`${kindName(pending.job)} ran out of time (limit ${budget / 1000} s)`);
    }, budget + BACKSTOP_GRACE_MS);
    this.current = { ...pending, timer };
    this.worker.ref();
    this.worker.postMessage(pending.job);
  }

  private finish(result: TemplateJobResult): void {
    const current = this.current;
    if (!current || current.job.id !== result.id) return;
    clearTimeout(current.timer);
    this.current = null;
    this.worker.unref();
    current.resolve(result);
    this.onIdle(this);
  }

  /** Ends the job in hand with `message` and the worker with it (a new one replaces it). */
  private fail(message: string): void {
    if (this.isDead) return;
    this.isDead = true;
    const current = this.current;
    this.current = null;
    if (current) {
      clearTimeout(current.timer);
      const memory = /ERR_WORKER_OUT_OF_MEMORY|out of memory/i.test(message);
      current.resolve({
        id: current.job.id,
        ok: false,
        message: memory ? `${kindName(current.job)} ran out of memory (limit ${WORKER_HEAP_MB} MiB)` : message,
        templateKind: current.job.kind === 'liquid' ? 'Liquid' : 'JSONata',
      });
    }
    void this.worker.terminate();
    this.onIdle(this);
  }
}

function kindName(job: TemplateJob): string {
  return job.kind === 'liquid' ? 'the Liquid template' : 'the JSONata expression';
}

function spawnWorker(): Worker {
  return startWorkerScript(['template', 'template-worker'], {
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
}

/** The process's workers, started on first use. */
class TemplateWorkerPool {
  private readonly workers: TemplateWorker[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;

  constructor(private readonly size: number) {}

  run(input: JobInput): Promise<TemplateJobResult> {
    const job = { ...input, id: this.nextId++ } as TemplateJob;
    return new Promise((resolve) => {
      this.queue.push({ job, resolve });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (let i = this.workers.length - 1; i >= 0; i -= 1) if (this.workers[i]?.isDead) this.workers.splice(i, 1);
    while (this.queue.length > 0) {
      let worker = this.workers.find((w) => !w.isBusy && !w.isDead);
      if (!worker && this.workers.length < this.size) {
        try {
          worker = new TemplateWorker(() => this.dispatch());
        } catch (error) {
          // Cannot start a thread (resources exhausted): the jobs waiting fail, the server goes on.
          const message = `cannot start a template worker: ${error instanceof Error ? error.message : String(error)}`;
          for (const { job, resolve } of this.queue.splice(0)) {
            resolve({ id: job.id, ok: false, message, templateKind: job.kind === 'liquid' ? 'Liquid' : 'JSONata' });
          }
          return;
        }
        this.workers.push(worker);
      }
      if (!worker) return;
      worker.start(this.queue.shift() as Pending);
    }
  }
}

const pool = new TemplateWorkerPool(Math.max(1, availableParallelism()));

/** Renders a Liquid template in a worker with the full budget. Rejects with `TemplateError`. */
export async function renderLiquidInWorker(
  job: Omit<Extract<TemplateJob, { kind: 'liquid' }>, 'id' | 'kind'>,
): Promise<{ output: string; assigns: Record<string, JsonValue> }> {
  const result = await pool.run({ kind: 'liquid', ...job });
  if (!result.ok) throw new TemplateError(result.message, result.templateKind);
  return { output: result.output ?? '', assigns: result.assigns ?? {} };
}

/** Evaluates a JSONata expression in a worker with the full budget. Rejects with `TemplateError`. */
export async function evaluateJsonataInWorker(
  job: Omit<Extract<TemplateJob, { kind: 'jsonata' }>, 'id' | 'kind'>,
): Promise<JsonValue> {
  const result = await pool.run({ kind: 'jsonata', ...job });
  if (!result.ok) throw new TemplateError(result.message, result.templateKind);
  return result.value ?? null;
}
