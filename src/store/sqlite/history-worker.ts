import Database from 'better-sqlite3';
import { parentPort } from 'node:worker_threads';
import { HistoryQueries, type HistoryQuery } from './history-queries.js';

/**
 * The worker thread that searches the history (`history-reader.ts`): its own connection (`query_only`) to
 * each database file it is asked about, one search at a time. WAL lets it read beside the server's
 * writer; each search reads the last commit, so a run the server answered for is there.
 */

/** A search, or the end of a file's connection (its store is closing). */
export type HistoryWorkerRequest = { id: number; file: string; query: HistoryQuery } | { close: string };

/** A search's answer. */
export type HistorySearchAnswer =
  { id: number; ok: true; rows: unknown[] } | { id: number; ok: false; message: string; code: string | undefined };

/** A search's answer, or word that a file's connection is closed. */
export type HistoryWorkerAnswer = HistorySearchAnswer | { closed: string };

/** A scan reads each page once: a small cache is enough, and keeps the thread's memory small. */
const CACHE_KIB = 8192;

const connections = new Map<string, { db: Database.Database; queries: HistoryQueries }>();

function connection(file: string): HistoryQueries {
  let open = connections.get(file);
  if (!open) {
    const db = new Database(file, { fileMustExist: true });
    db.pragma('query_only = ON');
    db.pragma('busy_timeout = 1000');
    db.pragma(`cache_size = -${CACHE_KIB}`);
    open = { db, queries: new HistoryQueries(db) };
    connections.set(file, open);
  }
  return open.queries;
}

function answer(
  request: Extract<HistoryWorkerRequest, { id: number }>,
): Exclude<HistoryWorkerAnswer, { closed: string }> {
  try {
    return { id: request.id, ok: true, rows: connection(request.file).run(request.query) };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      id: request.id,
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      code: typeof code === 'string' ? code : undefined,
    };
  }
}

parentPort?.on('message', (request: HistoryWorkerRequest) => {
  if ('close' in request) {
    connections.get(request.close)?.db.close();
    connections.delete(request.close);
    parentPort?.postMessage({ closed: request.close } satisfies HistoryWorkerAnswer);
    return;
  }
  parentPort?.postMessage(answer(request));
});
