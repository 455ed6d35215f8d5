/**
 * Reading a JSON object typed by a person (the `Data` of a rerun or a task test): the object, or one
 * sentence saying what is wrong and where (line and column), since the browser's JSON.parse says only
 * "at position 1234".
 */

export type JsonObjectText = { ok: true; value: Record<string, unknown> } | { ok: false; problem: string };

/** The server's limit on a task's `Data` (engine.md): checked here too, so the answer is immediate. */
export const MAX_DATA_CHARS = 5 * 1024 * 1024;

export function readJsonObject(text: string): JsonObjectText {
  if (text.trim() === '') return { ok: false, problem: 'Data is empty: write a JSON object, e.g. {}.' };
  if (text.length > MAX_DATA_CHARS) return { ok: false, problem: 'Data is larger than 5 MiB.' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: describeSyntaxError(text, error) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    return { ok: false, problem: `Data must be a JSON object ({…}), not ${kind}.` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** `Line 3, column 14: Expected ',' or '}' after property value.` */
export function describeSyntaxError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message)?.[1];
  // V8 words it "... in JSON at position 12 (line 2 column 5)"; keep the first sentence only.
  const reason = message
    .replace(/\s*in JSON at position \d+.*$/s, '')
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/^JSON\.parse: /, '');
  if (position === undefined) return `Not valid JSON: ${reason}.`;
  const { line, column } = lineAndColumn(text, Number(position));
  return `Line ${line}, column ${column}: ${reason}.`;
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}
