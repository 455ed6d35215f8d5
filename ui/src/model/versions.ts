/** Version strings such as `0.0.1`: compared part by part, numerically where both parts are numbers. */
export function compareVersions(a: string, b: string): number {
  const left = a.split(/[.-]/);
  const right = b.split(/[.-]/);
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const x = left[i] ?? '0';
    const y = right[i] ?? '0';
    const isNumeric = /^\d+$/.test(x) && /^\d+$/.test(y);
    const order = isNumeric ? Number(x) - Number(y) : x.localeCompare(y);
    if (order !== 0) return Math.sign(order);
  }
  return 0;
}

/** The next version after every one of `versions`: the greatest with its last number raised (`0.0.9` → `0.0.10`). */
export function nextVersion(versions: readonly string[]): string {
  const greatest = [...versions].sort(compareVersions).at(-1);
  if (!greatest) return '0.0.1';
  const match = /^(.*?)(\d+)([^\d]*)$/.exec(greatest);
  if (!match) return `${greatest}.1`;
  return `${match[1]}${Number(match[2]) + 1}${match[3]}`;
}
