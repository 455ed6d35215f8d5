import { RE2JS } from 're2js';

/**
 * Regular expressions written by workflow authors (Case conditions, the Liquid `regex` filter,
 * JSONata's `/.../` literals) and matched against text a trigger caller sends. V8's RegExp
 * backtracks: `(a+)+b` against 28 `a`s ran 7.6 s on the event loop, doubling per character, and
 * nothing can interrupt a running RegExp. RE2 (here re2js, its pure-JavaScript port) matches in
 * time linear in the input whatever the pattern, ~1 µs for a short Case value.
 *
 * The price: RE2 has no backreferences (`\1`) and no lookahead (`(?=`, `(?!`); such a pattern is
 * refused with `SafeRegexError` when it is compiled, which for Case is at import.
 */

/** A pattern RE2 cannot compile: its syntax is wrong or needs backtracking. */
export class SafeRegexError extends Error {
  override readonly name = 'SafeRegexError';
}

/** One match: the whole match, its groups (null when a group did not take part) and where it starts. */
export interface SafeMatch {
  match: string;
  groups: (string | null)[];
  index: number;
  end: number;
}

/** A compiled pattern. */
export interface SafeRegex {
  /** Whether the pattern matches somewhere in `subject`. */
  test(subject: string): boolean;
  /** Whether the pattern matches the whole of `subject`. */
  matchesWhole(subject: string): boolean;
  /** The first match at or after `from`, or null. */
  exec(subject: string, from?: number): SafeMatch | null;
}

/** JavaScript flags RE2 supports; `g` and `y` only drive `lastIndex`, which callers handle. */
const FLAG_BITS: Readonly<Record<string, number>> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
  u: 0, // RE2 always matches code points
  g: 0,
  y: 0,
};

/**
 * Compiled patterns by flags and source. JSONata compiles its regex literal at each evaluation;
 * this keeps that off the hot path. Bounded: the oldest entry goes first.
 */
const cache = new Map<string, SafeRegex>();
const CACHE_SIZE = 500;

/**
 * Compiles a JavaScript-syntax pattern (`(?<name>...)` and `\/` included) with RE2.
 * `flags`: any of `imsugy`. Throws `SafeRegexError` naming the reason.
 */
export function compileSafeRegex(source: string, flags = ''): SafeRegex {
  const key = `${flags}/${source}`;
  const cached = cache.get(key);
  if (cached) return cached;
  let bits = 0;
  for (const flag of flags) {
    const bit = FLAG_BITS[flag];
    if (bit === undefined) throw new SafeRegexError(`unsupported regex flag ${JSON.stringify(flag)}`);
    bits |= bit;
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(RE2JS.translateRegExp(source), bits);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SafeRegexError(
      `${reason.replace(/^error parsing regexp: /, '')}; backreferences and lookaround are not supported`,
    );
  }
  const compiled = wrap(re);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, compiled);
  return compiled;
}

function wrap(re: RE2JS): SafeRegex {
  return {
    test: (subject) => re.test(subject),
    matchesWhole: (subject) => re.matches(subject),
    exec(subject, from = 0) {
      if (from > subject.length) return null;
      const m = re.matcher(subject);
      if (!m.find(from)) return null;
      const groups: (string | null)[] = [];
      for (let g = 1; g <= m.groupCount(); g += 1) groups.push(m.group(g));
      return { match: m.group() ?? '', groups, index: m.start(), end: m.end() };
    },
  };
}

/**
 * A `RegExp` look-alike for JSONata's `RegexEngine` option: JSONata builds one from each regex
 * literal (`new RegexEngine(regexp)`), sets `lastIndex` and calls `exec`. Only that much is provided.
 */
export class SafeRegexEngine {
  lastIndex = 0;
  private readonly regex: SafeRegex;

  constructor(pattern: RegExp | string, flags?: string) {
    const source = typeof pattern === 'string' ? pattern : pattern.source;
    const flagText = flags ?? (typeof pattern === 'string' ? '' : pattern.flags);
    this.regex = compileSafeRegex(source, flagText);
  }

  exec(subject: string): RegExpExecArray | null {
    const found = this.regex.exec(subject, this.lastIndex);
    if (!found) {
      this.lastIndex = 0;
      return null;
    }
    this.lastIndex = found.end;
    const result = [found.match, ...found.groups.map((g) => g ?? undefined)] as unknown as RegExpExecArray;
    result.index = found.index;
    result.input = subject;
    return result;
  }

  test(subject: string): boolean {
    return this.exec(subject) !== null;
  }
}
