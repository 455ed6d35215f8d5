import { InvalidArgumentError } from 'commander';
import { isRecord } from './api-client.js';

/** Writes data as indented JSON on stdout (what `--json` prints: the server's answer as it came). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Rows as columns padded to their widest cell; an empty list prints `empty` instead. */
export function printTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, empty: string): void {
  if (rows.length === 0) {
    printLine(empty);
    return;
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  printLine(format(headers));
  for (const row of rows) printLine(format(row));
}

/** A note for a person (progress, hints): stderr, so stdout stays the data. */
export function printNote(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A field of an API object as text: `-` when absent or null. */
export function text(object: unknown, key: string): string {
  if (!isRecord(object)) return '-';
  const value = object[key];
  if (value === undefined || value === null || value === '') return '-';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Commander argument parser: a positive whole number (ids, pages). */
export function positiveInteger(name: string) {
  return (raw: string): number => {
    if (!/^[1-9]\d{0,14}$/.test(raw)) throw new InvalidArgumentError(`${name} must be a positive whole number.`);
    return Number(raw);
  };
}

/** Commander argument parser: one of a closed set. */
export function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string): T => {
    if (!(values as readonly string[]).includes(raw)) {
      throw new InvalidArgumentError(`Allowed: ${values.join(', ')}.`);
    }
    return raw as T;
  };
}

/** The `--page` / `--page-length` query of a list, and the hint printed when there is a next page. */
export function pageQuery(flags: { page?: number; pageLength?: number }): Record<string, number | undefined> {
  return { page: flags.page, page_length: flags.pageLength };
}

export function noteNextPage(answer: unknown, page: number | undefined): void {
  const pagination = isRecord(answer) ? answer.pagination : undefined;
  if (isRecord(pagination) && typeof pagination.next_page === 'string') {
    printNote(`More on the next page: --page ${(page ?? 1) + 1}`);
  }
}
