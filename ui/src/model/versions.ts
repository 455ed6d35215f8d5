import { compareVersionNumbers, isGreaterThanAll, parseVersionNumber } from '../../../src/model/version-number.js';

/**
 * Version strings, by the server's own rules (src/model/version-number.ts, imported rather than written
 * again): numeric parts, missing parts 0, a pre-release before its release (`1.2.0-rc.1` < `1.2.0`).
 * Strings that are not version numbers sort before every version, among themselves alphabetically.
 */
export function compareVersions(a: string, b: string): number {
  const x = parseVersionNumber(a);
  const y = parseVersionNumber(b);
  if (x && y) return Math.sign(compareVersionNumbers(x, y));
  if (x) return 1;
  if (y) return -1;
  return Math.sign(a.localeCompare(b));
}

/**
 * Why `candidate` cannot be the next version of a workflow with `existing` versions, as the server
 * would refuse it; undefined when it can.
 */
export function newVersionProblem(candidate: string, existing: readonly string[]): string | undefined {
  const text = candidate.trim();
  if (!text) return 'Enter a version number.';
  const parsed = parseVersionNumber(text);
  if (!parsed) return 'A version is numbers separated by dots, such as 1.2.0 or 1.2.0-rc.1.';
  if (!isGreaterThanAll(parsed, existing)) {
    return `The new version must be greater than ${[...existing].sort(compareVersions).at(-1)}.`;
  }
  return undefined;
}

/** The next version after every one of `versions`: the greatest with its last number raised (`0.0.9` → `0.0.10`). */
export function nextVersion(versions: readonly string[]): string {
  const greatest = [...versions].sort(compareVersions).at(-1);
  if (!greatest) return '0.0.1';
  const match = /^(.*?)(\d+)([^\d]*)$/.exec(greatest);
  if (!match) return `${greatest}.1`;
  return `${match[1]}${Number(match[2]) + 1}${match[3]}`;
}
