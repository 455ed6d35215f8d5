import type { Worker } from 'node:worker_threads';
import { SearchTimeoutError } from '../../model/errors.js';
import { startWorkerScript } from '../../worker-script.js';
import { MAX_WAITING_SEARCHES, SEARCH_DEADLINE_MS } from '../history-search.js';
import type { HistoryQuery, HistoryRows } from './history-queries.js';
import type { HistoryWorkerAnswer, HistoryWorkerRequest } from './history-worker.js';

/** An idle worker thread is stopped after this long, and its memory returned. */
const IDLE_STOP_MS = 60_000;
/** A closing store waits this long at most for the worker to close its connection. */
const FORGET_WAIT_MS = 1_000;

interface Search {
  id: number;
  file: string;
  query: HistoryQuery;
  deadlineMs: number;
  resolve(rows: unknown[]): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

/**
 * Runs the searches of the history (`history-queries.ts`) in a worker thread, one at a time, so a search
 * that reads a long history does not hold the event loop: on the main thread, a text search of 100,000
 * runs' inputs of 1 KiB held every request for 210 ms, and a history of millions for seconds.
 *
 * One thread for the process, whatever stores are open (each file gets its connection there). A
 * search has `SEARCH_DEADLINE_MS` from its asking, waiting included; past it, it fails with
 * `SearchTimeoutError`, and a thread still reading it is terminated. SQLite cannot be interrupted from
 * JavaScript, so that thread ends only when its statement does: no new one starts until it has, and the
 * searches waiting meanwhile meet their own deadlines. So a hostile search costs at most one core.
 */
class HistoryThread {
  private worker: Worker | null = null;
  /** The worker was told to stop and has not exited yet. */
  private isStopping = false;
  private current: Search | null = null;
  private readonly waiting: Search[] = [];
  private idleTimer: NodeJS.Timeout | null = null;
  /** Who waits for a file's connection to close, by file. */
  private readonly forgetting = new Map<string, Array<() => void>>();
  private nextId = 1;

  search(file: string, query: HistoryQuery, deadlineMs: number): Promise<unknown[]> {
    if (this.waiting.length >= MAX_WAITING_SEARCHES) return Promise.reject(new SearchTimeoutError('waiting'));
    return new Promise((resolve, reject) => {
      const search: Search = {
        id: this.nextId++,
        file,
        query,
        deadlineMs,
        resolve,
        reject,
        timer: setTimeout(() => this.expire(search), deadlineMs),
      };
      this.waiting.push(search);
      this.dispatch();
    });
  }

  /**
   * Closes the worker's connection to `file` (its store is closing); its searches still waiting fail.
   * Resolves when the connection is closed, when the worker is gone, or after `FORGET_WAIT_MS` (a search
   * of that file still reading, or a stopped worker's statement: it ends first).
   */
  forget(file: string): Promise<void> {
    for (const search of this.waiting.filter((waiting) => waiting.file === file)) {
      this.waiting.splice(this.waiting.indexOf(search), 1);
      clearTimeout(search.timer);
      search.reject(storeClosed());
    }
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        const waiters = this.forgetting.get(file)?.filter((waiter) => waiter !== done) ?? [];
        if (waiters.length > 0) this.forgetting.set(file, waiters);
        else this.forgetting.delete(file);
        resolve();
      };
      const timer = setTimeout(done, FORGET_WAIT_MS);
      this.forgetting.set(file, [...(this.forgetting.get(file) ?? []), done]);
      // A stopping worker closes every connection as it exits.
      if (!this.isStopping) worker.postMessage({ close: file } satisfies HistoryWorkerRequest);
    });
  }

  private dispatch(): void {
    if (this.current || this.isStopping || this.waiting.length === 0) return;
    const search = this.waiting.shift() as Search;
    let worker: Worker;
    try {
      worker = this.startedWorker();
    } catch (error) {
      // Cannot start a thread (resources exhausted): this search fails, the server goes on.
      clearTimeout(search.timer);
      search.reject(threadFailure(`cannot start the history thread: ${messageOf(error)}`));
      this.dispatch();
      return;
    }
    this.current = search;
    worker.ref();
    worker.postMessage({ id: search.id, file: search.file, query: search.query } satisfies HistoryWorkerRequest);
  }

  private startedWorker(): Worker {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.worker) return this.worker;
    const worker = startWorkerScript(['store', 'sqlite', 'history-worker']);
    worker.unref();
    worker.on('message', (answer: HistoryWorkerAnswer) => this.finish(answer));
    worker.on('error', (error) => {
      // It exits next: nothing more is sent to it.
      this.isStopping = true;
      this.fail(threadFailure(`the history thread failed: ${messageOf(error)}`));
    });
    worker.on('exit', () => {
      this.worker = null;
      this.isStopping = false;
      for (const waiters of [...this.forgetting.values()]) for (const done of waiters) done();
      this.fail(threadFailure('the history thread stopped'));
      this.dispatch();
    });
    this.worker = worker;
    return worker;
  }

  private finish(answer: HistoryWorkerAnswer): void {
    if ('closed' in answer) {
      for (const done of this.forgetting.get(answer.closed) ?? []) done();
      return;
    }
    const search = this.current;
    if (!search || search.id !== answer.id) return;
    this.current = null;
    clearTimeout(search.timer);
    this.worker?.unref();
    if (answer.ok) search.resolve(answer.rows);
    else search.reject(Object.assign(new Error(answer.message), { code: answer.code }));
    this.dispatch();
    if (!this.current) this.idleTimer = setTimeout(() => this.stop(), IDLE_STOP_MS).unref();
  }

  /** The search in hand fails with `error` (the worker failed or exited). */
  private fail(error: unknown): void {
    const search = this.current;
    this.current = null;
    if (!search) return;
    clearTimeout(search.timer);
    search.reject(error);
  }

  private expire(search: Search): void {
    const index = this.waiting.indexOf(search);
    if (index >= 0) this.waiting.splice(index, 1);
    if (search === this.current) {
      this.current = null;
      this.stop();
    }
    search.reject(new SearchTimeoutError('deadline', search.deadlineMs));
  }

  private stop(): void {
    if (!this.worker || this.isStopping) return;
    this.isStopping = true;
    // It may read on until its statement ends (terminate cannot interrupt SQLite): the process need not wait.
    this.worker.unref();
    void this.worker.terminate();
  }
}

/** The history thread failed or could not start: the search answers 503 (the store failed to read), not 500. */
export function threadFailure(message: string): Error {
  return Object.assign(new Error(message), { code: 'SQLITE_IOERR' });
}

/** A search of a store that is closing, or closed: 503 (the store cannot be reached). */
export function storeClosed(): Error {
  return Object.assign(new Error('the store is closed'), { code: 'SQLITE_CANTOPEN' });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const thread = new HistoryThread();

/** One SQLite file's searches of its history, run in the process's history thread. */
export class HistoryReader {
  private isClosed = false;

  constructor(
    private readonly file: string,
    private readonly deadlineMs = SEARCH_DEADLINE_MS,
  ) {}

  async run<Q extends HistoryQuery>(query: Q): Promise<HistoryRows<Q>> {
    if (this.isClosed) throw storeClosed();
    return (await thread.search(this.file, query, this.deadlineMs)) as HistoryRows<Q>;
  }

  close(): Promise<void> {
    this.isClosed = true;
    return thread.forget(this.file);
  }
}
