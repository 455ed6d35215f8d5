/**
 * The durable-write floor: what "commit one record, then answer" costs on this machine with no
 * framework, no engine and no auth. A bare `node:http` server that, for each POST, stores the request
 * body as one row in SQLite (better-sqlite3, WAL, the same `synchronous` as Weir:
 * `WEIR_SQLITE_SYNCHRONOUS`, default FULL) and answers `{"ok":true,"n":0}` only after that row's
 * commit. Group commit as in Weir's store (src/store/sqlite/write-batcher.ts): the requests that
 * arrive in one turn of the event loop share one transaction and one fsync, at most 512 per batch.
 * Weir's responsive trigger has to do at least this much (and parse, authenticate and run the
 * workflow too), so Weir's /sync is judged against it as well as against bare Fastify.
 *
 * Run as its own process by trigger.bench.ts: `node --no-node-snapshot --import tsx bench/floor-server.ts`
 * with `FLOOR_DB_FILE` (a new file, on the disk Weir's data dir is on). Listens on 127.0.0.1, on a
 * free port; prints `FLOOR_LISTENING <port> journal_mode=<mode> synchronous=<0-3>` once it accepts
 * connections and, on SIGTERM, `FLOOR_ROWS <n>` (rows committed) before it exits, so the benchmark can
 * check that every answered request was committed.
 */
import './orphan-guard.js';
import Database from 'better-sqlite3';
import http from 'node:http';

/** Weir's WriteBatcher cap: one batch never holds the event loop for long. */
const MAX_BATCH = 512;
/** Bodies beyond this are refused, like any server would; the benchmark sends a few bytes. */
const MAX_BODY_BYTES = 1024 * 1024;
const ANSWER = Buffer.from(JSON.stringify({ ok: true, n: 0 }));
const ANSWER_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'content-length': ANSWER.length };

const file = process.env.FLOOR_DB_FILE;
if (file === undefined || file === '') throw new Error('FLOOR_DB_FILE must name the SQLite file to write.');

const db = new Database(file);
db.pragma('journal_mode = WAL');
// The very pragma Weir's store issues (src/store/sqlite/database.ts), from the same variable.
db.pragma(`synchronous = ${process.env.WEIR_SQLITE_SYNCHRONOUS ?? 'FULL'}`);
db.exec(
  'CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, body TEXT NOT NULL)',
);
const begin = db.prepare('BEGIN IMMEDIATE');
const insertRequest = db.prepare('INSERT INTO requests (received_at, body) VALUES (?, ?)');
const commit = db.prepare('COMMIT');

interface PendingWrite {
  body: string;
  receivedAt: number;
  response: http.ServerResponse;
}

const queue: PendingWrite[] = [];
let isScheduled = false;

function schedule(): void {
  if (isScheduled) return;
  isScheduled = true;
  setImmediate(flush);
}

/** Commits the writes queued so far in one transaction, then answers each of them. */
function flush(): void {
  isScheduled = false;
  const batch = queue.splice(0, MAX_BATCH);
  if (queue.length > 0) schedule();
  try {
    begin.run();
    for (const write of batch) insertRequest.run(write.receivedAt, write.body);
    commit.run();
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    process.stderr.write(`floor: commit failed: ${error instanceof Error ? error.message : String(error)}\n`);
    for (const write of batch) write.response.writeHead(500).end();
    return;
  }
  for (const write of batch) write.response.writeHead(200, ANSWER_HEADERS).end(ANSWER);
}

const server = http.createServer((request, response) => {
  if (request.method !== 'POST') {
    response.writeHead(405).end();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  request.on('end', () => {
    if (size > MAX_BODY_BYTES) {
      response.writeHead(413).end();
      return;
    }
    queue.push({ body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now(), response });
    schedule();
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const journalMode = String(db.pragma('journal_mode', { simple: true }));
  const synchronous = String(db.pragma('synchronous', { simple: true }));
  process.stdout.write(`FLOOR_LISTENING ${port} journal_mode=${journalMode} synchronous=${synchronous}\n`);
});

let isClosing = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (isClosing) return;
    isClosing = true;
    server.close();
    server.closeAllConnections();
    // Writes still queued are dropped unanswered, as a crash would; the count says what was committed.
    const rows = Number(db.prepare('SELECT count(*) FROM requests').pluck().get());
    db.close();
    process.stdout.write(`FLOOR_ROWS ${rows}\n`, () => process.exit(0));
  });
}
