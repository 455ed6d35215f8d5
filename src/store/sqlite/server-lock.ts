import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataDirInUseError } from '../../startup-errors.js';

/** Who holds a server lock, as written beside it for the next one to read. */
interface Holder {
  pid: number;
  host: string;
  startedAt: string;
}

/**
 * One server per SQLite database. The lock is an SQLite file held in exclusive locking mode: the
 * operating system releases it when the process ends, however it ends (kill -9 included), so a stale
 * lock never blocks a restart. Administrative commands (`weir clients`) do not take it: they may open
 * the database while a server runs. Returns the release function.
 */
export function takeServerLock(databaseFile: string): () => void {
  const lockFile = `${path.resolve(databaseFile)}.server-lock`;
  const holderFile = `${lockFile}.json`;
  const dataDir = path.dirname(lockFile);
  fs.mkdirSync(dataDir, { recursive: true });
  const lock = new Database(lockFile, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock; in this mode it is kept until the connection closes.
    lock.exec('CREATE TABLE IF NOT EXISTS server (pid INTEGER); DELETE FROM server;');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw inUse(dataDir, holderFile);
    throw error;
  }
  const holder: Holder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  fs.writeFileSync(holderFile, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
  return () => {
    fs.rmSync(holderFile, { force: true });
    lock.close();
  };
}

function inUse(dataDir: string, holderFile: string): DataDirInUseError {
  let who = 'another process';
  try {
    const holder = JSON.parse(fs.readFileSync(holderFile, 'utf8')) as Holder;
    who = `process ${holder.pid} on ${holder.host}, started ${holder.startedAt}`;
  } catch {
    // The holder is starting and has not written its name yet; the lock itself is what counts.
  }
  return new DataDirInUseError(
    `The data dir ${dataDir} is in use by another Weir server (${who}). ` +
      'Stop that server first, or start this one with another --data-dir (or WEIR_DATABASE_URL).',
  );
}
