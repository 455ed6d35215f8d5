import fs from 'node:fs';
import path from 'node:path';
import { stopAllLoads } from './load.js';
import { killAllServersNow, stopAllServers } from './server-process.js';

/**
 * Every way out of the trigger benchmark goes through here: the `exit` hook SIGKILLs any server
 * left and removes the data dirs; SIGINT/SIGTERM stop the load and the servers gracefully (a second
 * signal kills at once). Phases call `checkNotInterrupted()` between steps, so an interrupted run
 * stops within one phase.
 */

export class BenchInterrupted extends Error {
  override readonly name = 'BenchInterrupted';
}

const dataDirs = new Set<string>();
let interruptedAt: number | null = null;

/** Writes a progress line to stderr (the report goes to stdout). */
export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A new directory `<parent>/<prefix>XXXXXX`, removed on exit unless `keep`. */
export function makeDataDir(parent: string, prefix: string, keep: boolean): string {
  const dir = fs.mkdtempSync(path.join(parent, prefix));
  if (!keep) dataDirs.add(dir);
  return dir;
}

/** Removes a data dir now (it was registered by `makeDataDir`); a kept one stays. */
export function removeDataDir(dir: string): void {
  if (!dataDirs.delete(dir)) return;
  fs.rmSync(dir, { recursive: true, force: true });
}

export function isInterrupted(): boolean {
  return interruptedAt !== null;
}

export function checkNotInterrupted(): void {
  if (interruptedAt !== null) throw new BenchInterrupted('interrupted');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function onSignal(signal: NodeJS.Signals): void {
  const now = Date.now();
  if (interruptedAt !== null) {
    // tsx relays the terminal's signal too: ignore the echo, honour a second Ctrl-C.
    if (now - interruptedAt < 500) return;
    process.stderr.write(`\n${signal} again: killing the servers.\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  }
  interruptedAt = now;
  process.stderr.write(`\n${signal}: stopping the load and the servers (again to kill at once)...\n`);
  stopAllLoads();
  void stopAllServers(5_000).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
}

/** Installs the exit hook and the signal handlers; call once, first. */
export function installShutdownHandlers(): void {
  process.on('exit', () => {
    killAllServersNow();
    for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
    dataDirs.clear();
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
