/**
 * Version strings (`workflow.version`, the `version` query of a version import): dot-separated
 * numbers, optionally `v`-prefixed and with a semver pre-release (`1.2.0-rc.1`). They are compared by
 * semantic-version rules: numerically part by part (missing parts are 0, so `1.2` equals `1.2.0`), and a
 * pre-release before its release.
 */
const VERSION = /^v?(\d{1,9}(?:\.\d{1,9}){0,3})(?:-([0-9A-Za-z.-]{1,40}))?$/;

export interface VersionNumber {
  parts: number[];
  preRelease: string | null;
}

/** Reads a version string; undefined when it is not one. */
export function parseVersionNumber(text: string): VersionNumber | undefined {
  const match = VERSION.exec(text.trim());
  if (!match?.[1]) return undefined;
  return { parts: match[1].split('.').map(Number), preRelease: match[2] ?? null };
}

/** Negative when `a` < `b`, 0 when equal, positive when `a` > `b`. */
export function compareVersionNumbers(a: VersionNumber, b: VersionNumber): number {
  const length = Math.max(a.parts.length, b.parts.length);
  for (let i = 0; i < length; i += 1) {
    const diff = (a.parts[i] ?? 0) - (b.parts[i] ?? 0);
    if (diff !== 0) return diff;
  }
  if (a.preRelease === b.preRelease) return 0;
  if (a.preRelease === null) return 1;
  if (b.preRelease === null) return -1;
  return comparePreRelease(a.preRelease, b.preRelease);
}

/** Semver §11: identifiers compared one by one, numeric ones numerically and below alphanumeric ones. */
function comparePreRelease(a: string, b: string): number {
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const x = left[i];
    const y = right[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const isNumX = /^\d+$/.test(x);
    const isNumY = /^\d+$/.test(y);
    if (isNumX && isNumY && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (isNumX !== isNumY) return isNumX ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * True when `candidate` is greater than every version in `existing`. Existing strings that are not
 * version numbers (a file may carry anything) do not constrain it.
 */
export function isGreaterThanAll(candidate: VersionNumber, existing: readonly string[]): boolean {
  return existing.every((text) => {
    const other = parseVersionNumber(text);
    return other === undefined || compareVersionNumbers(candidate, other) > 0;
  });
}
