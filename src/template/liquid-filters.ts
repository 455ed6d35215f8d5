import { createHash, createHmac } from 'node:crypto';
import { Drop, Value, isTruthy, type Context, type Liquid } from 'liquidjs';
import { REFERENCE_FILTERS } from './reference-filters.js';
import { diffDates, formatInTimeZone, manipulateDate, parseDate, parseUnit } from './date-math.js';
import { compileSafeRegex } from './safe-regex.js';

/**
 * The reference's filters beyond Shopify Liquid. Each filter throws a plain `Error` whose message
 * starts with the filter's name; liquidjs turns it into a render error, which `liquid.ts` turns
 * into a `TemplateError`. Filters that build large values charge the render's memory limit.
 */

/** What liquidjs binds `this` to when it calls a filter. */
interface FilterThis {
  context: Context;
  liquid: Liquid;
}

const MAX_REGEX_PATTERN = 1000;
const MAX_REGEX_INPUT = 1024 * 1024;
const ITEM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function isNil(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Text for hashing/encoding: nil is `''` (as in Liquid); arrays and objects are their JSON. */
function text(value: unknown): string {
  if (isNil(value)) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Drop) return text(value.valueOf());
  if (typeof value === 'object') return JSON.stringify(value) ?? '';
  return String(value);
}

function charge(filter: FilterThis, units: number): void {
  filter.context.memoryLimit.use(units);
}

/** Reads a dotted path through own properties only, so `constructor` & co. stay hidden. */
function readPath(item: unknown, path: string[]): unknown {
  let current = item;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Jekyll names groups by the key's `to_s`: nil is `''`. */
function groupName(key: unknown): string {
  if (isNil(key)) return '';
  if (typeof key === 'object') return JSON.stringify(key) ?? '';
  return String(key);
}

function toJson(this: FilterThis, value: unknown): string {
  const json = JSON.stringify(value === undefined ? null : value) ?? 'null';
  charge(this, json.length);
  return json;
}

function parseJson(this: FilterThis, value: unknown): unknown {
  if (isNil(value)) return null;
  if (typeof value !== 'string') return value;
  charge(this, value.length);
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new Error(`parse_json: invalid JSON (${(error as Error).message})`);
  }
}

/**
 * `items | where_exp: "item", "item.amount > 10"`: the items for which the Liquid condition is
 * truthy. The condition is parsed and evaluated by liquidjs itself, with `item` pushed as a scope
 * so the rest of the template's variables stay visible. Hashes filter their values (Jekyll).
 */
function* whereExp(
  this: FilterThis,
  input: unknown,
  itemName: unknown,
  expression: unknown,
): Generator<unknown, unknown, unknown> {
  const items = Array.isArray(input) ? input : isPlainObject(input) ? Object.values(input) : undefined;
  if (!items) return input;
  const name = String(itemName);
  if (!ITEM_NAME.test(name)) throw new Error(`where_exp: invalid variable name ${JSON.stringify(name)}`);
  const condition = new Value(String(expression), this.liquid);
  charge(this, items.length);
  const kept: unknown[] = [];
  for (const item of items) {
    const scope: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    scope[name] = item;
    this.context.push(scope);
    try {
      // lenient: a record missing the field is simply not kept, as in Jekyll.
      const result = yield condition.value(this.context, true);
      if (isTruthy(result, this.context)) kept.push(item);
    } finally {
      this.context.pop();
    }
  }
  return kept;
}

/** `items | group_by: "key"` (dotted paths allowed) → `[{ name, items, size }]` in first-seen order. */
function groupBy(this: FilterThis, input: unknown, property: unknown): unknown {
  if (!Array.isArray(input)) return input;
  const path = String(property).split('.');
  charge(this, input.length);
  const groups = new Map<string, unknown[]>();
  for (const item of input) {
    const name = groupName(readPath(item, path));
    const group = groups.get(name);
    if (group) group.push(item);
    else groups.set(name, [item]);
  }
  return [...groups].map(([name, items]) => ({ name, items, size: items.length }));
}

/** `date_manip: "+1 day"`, or the reference's three arguments `date_manip: "+", 1, "day"`. */
function dateManip(input: unknown, spec: unknown, amount?: unknown, unit?: unknown): unknown {
  if (isNil(input)) return input;
  const steps = amount === undefined ? spec : `${text(spec).trim()}${text(amount).trim()} ${text(unit).trim()}`;
  return manipulateDate(parseDate(input, 'date_manip'), steps);
}

function dateDiff(input: unknown, other: unknown, unit: unknown = 'days'): unknown {
  if (isNil(input) || isNil(other)) return null;
  const a = parseDate(input, 'date_diff').date;
  const b = parseDate(other, 'date_diff').date;
  return diffDates(a, b, parseUnit(unit, 'date_diff'));
}

function inTimeZone(input: unknown, zone: unknown): unknown {
  if (isNil(input)) return input;
  if (isNil(zone)) throw new Error('in_time_zone: a time zone is required');
  return formatInTimeZone(parseDate(input, 'in_time_zone').date, zone);
}

function base64Encode(this: FilterThis, input: unknown): string {
  const encoded = Buffer.from(text(input), 'utf8').toString('base64');
  charge(this, encoded.length);
  return encoded;
}

function base64Decode(this: FilterThis, input: unknown): string {
  const compact = text(input).replace(/\s+/g, '');
  charge(this, compact.length);
  // Buffer.from silently skips bad characters; the reference rejects them instead.
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    throw new Error('base64_decode: invalid base64 input');
  }
  return Buffer.from(compact, 'base64').toString('utf8');
}

function digest(this: FilterThis, algorithm: string, input: unknown): string {
  const data = text(input);
  charge(this, data.length);
  return createHash(algorithm).update(data, 'utf8').digest('hex');
}

function md5(this: FilterThis, input: unknown): string {
  return digest.call(this, 'md5', input);
}

function sha1(this: FilterThis, input: unknown): string {
  return digest.call(this, 'sha1', input);
}

function hmacSha256(this: FilterThis, input: unknown, key: unknown): string {
  if (key === undefined) throw new Error('hmac_sha256: a key is required');
  const data = text(input);
  charge(this, data.length);
  return createHmac('sha256', text(key)).update(data, 'utf8').digest('hex');
}

/**
 * `text | regex: "pattern"` (optional flags from `imsu`): the first match's first capture group
 * when the pattern has one, else the whole match, else `''`. The reference's operations:
 * `regex: "pattern", "match_first"` is the first match as `[whole, group1, ...]` (`[]` when none),
 * `"match_all"` every match (`["a", "b"]`, or one `[group1, ...]` per match when the pattern has
 * groups, as Ruby's `scan`). The pattern runs on RE2 (linear time: the subject often comes
 * from the trigger caller); lengths are capped all the same.
 */
function regex(this: FilterThis, input: unknown, pattern: unknown, flags: unknown = ''): unknown {
  const source = text(pattern);
  const subject = text(input);
  if (source.length > MAX_REGEX_PATTERN) throw new Error(`regex: pattern longer than ${MAX_REGEX_PATTERN} characters`);
  if (subject.length > MAX_REGEX_INPUT) throw new Error('regex: input longer than 1 MB');
  const operation = text(flags);
  const isOperation = operation === 'match_first' || operation === 'match_all';
  const flagText = isOperation ? '' : operation;
  if (!/^[imsu]*$/.test(flagText))
    throw new Error(`regex: unsupported flags ${JSON.stringify(flagText)} (use i, m, s, u)`);
  charge(this, subject.length);
  let compiled;
  try {
    compiled = compileSafeRegex(source, flagText);
  } catch (error) {
    throw new Error(`regex: invalid pattern (${(error as Error).message})`);
  }
  if (operation === 'match_first') {
    const first = compiled.exec(subject);
    return first ? [first.match, ...first.groups] : [];
  }
  if (operation === 'match_all') {
    const all: unknown[] = [];
    for (let found = compiled.exec(subject); found;) {
      all.push(found.groups.length > 0 ? found.groups : found.match);
      // An empty match moves on by one character, as String.prototype.matchAll does.
      found = compiled.exec(subject, found.end > found.index ? found.end : found.end + 1);
    }
    return all;
  }
  const match = compiled.exec(subject);
  if (!match) return '';
  return match.groups.length > 0 ? (match.groups[0] ?? '') : match.match;
}

/**
 * Registers the reference's extra filters on a liquidjs instance (overriding liquidjs' own
 * `group_by`, `where_exp`, `base64_*` and `hmac_sha256` so their semantics are the reference's).
 */
export function registerWeirFilters(liquid: Liquid): void {
  // liquidjs types filter handlers with `any` arguments; ours take `unknown` and narrow.
  const filters: Record<string, (this: FilterThis, value: unknown, ...args: unknown[]) => unknown> = {
    to_json: toJson,
    parse_json: parseJson,
    where_exp: whereExp,
    group_by: groupBy,
    date_manip: dateManip,
    date_diff: dateDiff,
    in_time_zone: inTimeZone,
    base64_encode: base64Encode,
    base64_decode: base64Decode,
    md5,
    sha1,
    hmac_sha256: hmacSha256,
    regex,
  };
  for (const [name, handler] of Object.entries({ ...filters, ...REFERENCE_FILTERS })) {
    liquid.registerFilter(name, handler);
  }
}
