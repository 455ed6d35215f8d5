/**
 * What kind of storage trouble an error is, whichever driver raised it. The API answers each with 503
 * and `Retry-After` (never 500: nothing is wrong with the request or with Weir's code), `/health`
 * reports it, and a start that meets one prints a sentence instead of a stack.
 */
export const StorageFailureKind = {
  /** The disk (or `WEIR_SQLITE_MAX_SIZE_MB`, or PostgreSQL's disk) is full. */
  Full: 'full',
  /** Another process holds the lock, or the database is too busy (PostgreSQL: lock or resource limits). */
  Busy: 'busy',
  /** The database refuses writes: a read-only file or file system, a PostgreSQL standby. */
  ReadOnly: 'read_only',
  /** The database cannot be reached: connection refused, lost or timed out. */
  Unreachable: 'unreachable',
  /** Reading or writing the file failed (SQLite I/O errors). */
  Io: 'io',
} as const;
export type StorageFailureKind = (typeof StorageFailureKind)[keyof typeof StorageFailureKind];

export interface StorageFailure {
  kind: StorageFailureKind;
  /** The driver's message, for logs and the start sentence (no credentials: drivers do not put them there). */
  message: string;
}

/** Seconds a client should wait before retrying, per kind: a lock passes soon, a full disk does not. */
export const RETRY_AFTER_SECONDS: Readonly<Record<StorageFailureKind, number>> = {
  full: 30,
  busy: 1,
  read_only: 30,
  unreachable: 5,
  io: 5,
};

const SQLITE_KINDS: ReadonlyArray<[string, StorageFailureKind]> = [
  ['SQLITE_FULL', 'full'],
  ['SQLITE_BUSY', 'busy'],
  ['SQLITE_LOCKED', 'busy'],
  ['SQLITE_PROTOCOL', 'busy'],
  ['SQLITE_READONLY', 'read_only'],
  ['SQLITE_IOERR', 'io'],
  ['SQLITE_CANTOPEN', 'unreachable'],
];

/**
 * Node's socket and file-system errors (errno codes), counted only with the `syscall` that failed: a
 * client that hangs up mid-request raises ECONNRESET too ("aborted", without one), and is no storage
 * failure.
 */
const ERRNO_KINDS: Readonly<Record<string, StorageFailureKind>> = {
  ECONNREFUSED: 'unreachable',
  ECONNRESET: 'unreachable',
  ETIMEDOUT: 'unreachable',
  EPIPE: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENOSPC: 'full',
  EDQUOT: 'full',
  EFBIG: 'full',
  EROFS: 'read_only',
  EACCES: 'read_only',
  EPERM: 'read_only',
  EIO: 'io',
};

/** PostgreSQL SQLSTATEs (exact codes first, then classes). */
const POSTGRES_CODES: Readonly<Record<string, StorageFailureKind>> = {
  '53100': 'full', // disk_full
  '25006': 'read_only', // read_only_sql_transaction (a standby, or default_transaction_read_only)
  '57P01': 'unreachable', // admin_shutdown (pg_terminate_backend, a restart)
  '57P02': 'unreachable', // crash_shutdown
  '57P03': 'unreachable', // cannot_connect_now (starting up)
  '55P03': 'busy', // lock_not_available
  '57014': 'busy', // query_canceled (statement timeout)
  '40001': 'busy', // serialization_failure, after the engine's own retries
  '40P01': 'busy', // deadlock_detected, after the engine's own retries
};
const POSTGRES_CLASSES: Readonly<Record<string, StorageFailureKind>> = {
  '08': 'unreachable', // connection_exception
  '53': 'busy', // insufficient_resources (too many connections, out of memory)
  '58': 'io', // system_error
};

/** node-postgres raises these as plain Errors when the connection is gone or cannot be made. */
const PG_CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  /^Cannot use a pool after calling end on the pool/,
  /^Connection ended unexpectedly/,
];

/**
 * The storage failure `error` is, or undefined when it is something else (a bug, a constraint, bad
 * input). Reads `code` as better-sqlite3 (`SQLITE_*`), pg (SQLSTATE) and Node (errno) set it.
 */
export function classifyStorageFailure(error: unknown): StorageFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const message = error.message;
  if (typeof code === 'string') {
    const sqlite = SQLITE_KINDS.find(([prefix]) => code === prefix || code.startsWith(`${prefix}_`));
    if (sqlite) return { kind: sqlite[1], message };
    const errno = ERRNO_KINDS[code];
    if (errno && typeof (error as { syscall?: unknown }).syscall === 'string') return { kind: errno, message };
    if (/^[0-9A-Z]{5}$/.test(code)) {
      const kind = POSTGRES_CODES[code] ?? POSTGRES_CLASSES[code.slice(0, 2)];
      if (kind) return { kind, message };
    }
  }
  if (PG_CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) return { kind: 'unreachable', message };
  // AggregateError (a connection to every resolved address refused) carries the reasons inside.
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const failure = classifyStorageFailure(inner);
      if (failure) return { kind: failure.kind, message: message || failure.message };
    }
  }
  // An error that wraps one (a drafted run that could not be written: engine/run-draft.ts) is what it wraps.
  if (error.cause !== undefined) return classifyStorageFailure(error.cause);
  return undefined;
}
