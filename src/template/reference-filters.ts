import { createHash, createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { Drop, Value, type Context, type Liquid } from 'liquidjs';
import { parseDate } from './date-math.js';

/**
 * The rest of the reference's Liquid filters (its `Liquid::Filters` module), beside the ones in
 * `liquid-filters.ts`: array helpers, conversions, `money`, date helpers, signing. docs/tasks/liquid.md
 * lists every filter of the reference and what Weir does with it; a filter not registered anywhere is
 * refused when a template is parsed (liquidjs `strictFilters`), so an import names it.
 */

interface FilterThis {
  context: Context;
  liquid: Liquid;
}

type Filter = (this: FilterThis, value: unknown, ...args: unknown[]) => unknown;

const ITEM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function isNil(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

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

function asArray(value: unknown): unknown[] {
  if (isNil(value)) return [];
  return Array.isArray(value) ? value : [value];
}

/** `rows | group_by_exp: "row", "row.Date | date: '%Y-%m'"` → `[{name, items, size}]`, first-seen order. */
function* groupByExp(
  this: FilterThis,
  input: unknown,
  itemName: unknown,
  expression: unknown,
): Generator<unknown, unknown, unknown> {
  if (!Array.isArray(input)) return input;
  const name = String(itemName);
  if (!ITEM_NAME.test(name)) throw new Error(`group_by_exp: invalid variable name ${JSON.stringify(name)}`);
  const key = new Value(String(expression), this.liquid);
  charge(this, input.length);
  const groups = new Map<string, unknown[]>();
  for (const item of input) {
    const scope: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    scope[name] = item;
    this.context.push(scope);
    let group: string;
    try {
      group = text(yield key.value(this.context, true));
    } finally {
      this.context.pop();
    }
    const items = groups.get(group);
    if (items) items.push(item);
    else groups.set(group, [item]);
  }
  return [...groups].map(([group, items]) => ({ name: group, items, size: items.length }));
}

function push(this: FilterThis, input: unknown, item: unknown): unknown[] {
  const items = asArray(input);
  charge(this, items.length + 1);
  return [...items, item];
}

function unshift(this: FilterThis, input: unknown, item: unknown): unknown[] {
  const items = asArray(input);
  charge(this, items.length + 1);
  return [item, ...items];
}

function count(value: unknown, filter: string): number {
  const n = isNil(value) ? 1 : Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${filter}: the count must be a whole number`);
  return n;
}

function pop(input: unknown, n: unknown): unknown[] {
  const items = asArray(input);
  return items.slice(0, Math.max(0, items.length - count(n, 'pop')));
}

function shift(input: unknown, n: unknown): unknown[] {
  return asArray(input).slice(count(n, 'shift'));
}

function escapeXml(value: string): string {
  return value.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}

function xmlOf(name: string, value: unknown, depth: number): string {
  if (depth > 64) throw new Error('to_xml: nested too deep');
  if (!XML_NAME.test(name)) throw new Error(`to_xml: ${JSON.stringify(name)} is not an XML element name`);
  if (Array.isArray(value)) return value.map((item) => xmlOf(name, item, depth + 1)).join('');
  if (isNil(value)) return `<${name}/>`;
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, unknown>)
      .map(([key, child]) => xmlOf(key, child, depth + 1))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `hash | to_xml`: each key an element, arrays repeat their element, under one `<hash>` root as Rails' `Hash#to_xml`. */
function toXml(this: FilterThis, input: unknown): string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error('to_xml: the input must be a hash');
  }
  const xml = `<?xml version="1.0" encoding="UTF-8"?>${xmlOf('hash', input, 0)}`;
  charge(this, xml.length);
  return xml;
}

/** `text | string_escape`: the text as it would sit inside a JSON string (quotes, backslashes, control characters). */
function stringEscape(input: unknown): string {
  if (isNil(input)) return '';
  return JSON.stringify(text(input)).slice(1, -1);
}

/** `value | data_type`: the Ruby class name the reference reports (`String`, `Integer`, `Float`, `Hash`, `Array`, `NilClass`, ...). */
function dataType(input: unknown): string {
  if (isNil(input)) return 'NilClass';
  if (typeof input === 'string') return 'String';
  if (typeof input === 'number') return Number.isInteger(input) ? 'Integer' : 'Float';
  if (typeof input === 'boolean') return input ? 'TrueClass' : 'FalseClass';
  if (Array.isArray(input)) return 'Array';
  if (input instanceof Date) return 'Time';
  return 'Hash';
}

/**
 * `amount | money` / `amount | money: "EUR"`: the amount with its currency's symbol, thousands separators
 * and decimals (`$1,234.50`, `€9.90`, `¥1,235`); no currency means USD, as the reference's money library.
 * Nil is `''`; a value that is not a number is a filter error.
 */
function money(input: unknown, currency: unknown): string {
  if (isNil(input) || input === '') return '';
  const amount = typeof input === 'number' ? input : Number(text(input).replace(/,/g, '').trim());
  if (!Number.isFinite(amount)) throw new Error(`money: ${JSON.stringify(text(input))} is not an amount`);
  const code = isNil(currency) || text(currency).trim() === '' ? 'USD' : text(currency).trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw new Error(`money: ${JSON.stringify(code)} is not a currency code`);
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: code, currencyDisplay: 'narrowSymbol' }).format(
    amount,
  );
}

/** `date | date_between: start, end`: whether the date lies within [start, end] (inclusive). */
function dateBetween(input: unknown, start: unknown, end: unknown): boolean {
  const at = parseDate(input, 'date_between').date.getTime();
  return parseDate(start, 'date_between').date.getTime() <= at && at <= parseDate(end, 'date_between').date.getTime();
}

/** `date | http_date`: RFC 7231 (`Sun, 08 Mar 2026 01:00:00 GMT`). */
function httpDate(input: unknown): string {
  return parseDate(input, 'http_date').date.toUTCString();
}

/** `sha2: "SHA256"|"SHA384"|"SHA512"` (also 256/384/512); the reference defaults to SHA512. */
function sha2(this: FilterThis, input: unknown, algorithm: unknown): string {
  const size = isNil(algorithm)
    ? '512'
    : text(algorithm)
        .trim()
        .toUpperCase()
        .replace(/^SHA-?/, '');
  if (size !== '256' && size !== '384' && size !== '512') {
    throw new Error(`sha2: unsupported algorithm ${JSON.stringify(text(algorithm))} (use SHA256, SHA384 or SHA512)`);
  }
  const data = text(input);
  charge(this, data.length);
  return createHash(`sha${size}`).update(data, 'utf8').digest('hex');
}

function sha256Encode64(this: FilterThis, input: unknown): string {
  const data = text(input);
  charge(this, data.length);
  return createHash('sha256').update(data, 'utf8').digest('base64');
}

const HMAC_DIGESTS = new Set(['md5', 'sha1', 'sha256', 'sha384', 'sha512']);

function hmacWith(digest: string, key: Buffer | string, data: string, encoding: 'hex' | 'base64'): string {
  return createHmac(digest, key).update(data, 'utf8').digest(encoding);
}

/** `data | hmac: "sha256", key` → hex. */
function hmac(this: FilterThis, input: unknown, digest: unknown, key: unknown): string {
  const name = text(digest).trim().toLowerCase().replace('-', '');
  if (!HMAC_DIGESTS.has(name)) throw new Error(`hmac: unsupported digest ${JSON.stringify(text(digest))}`);
  if (isNil(key)) throw new Error('hmac: a key is required');
  const data = text(input);
  charge(this, data.length);
  return hmacWith(name, text(key), data, 'hex');
}

function base64Key(key: unknown, filter: string): Buffer {
  const compact = text(key).replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact)) throw new Error(`${filter}: the key must be base64`);
  return Buffer.from(compact, 'base64');
}

function hmacSha256Sign(this: FilterThis, input: unknown, key: unknown): string {
  charge(this, text(input).length);
  return hmacWith('sha256', base64Key(key, 'hmac_sha256_sign'), text(input), 'base64');
}

function hmacSha512Sign(this: FilterThis, input: unknown, key: unknown): string {
  charge(this, text(input).length);
  return hmacWith('sha512', base64Key(key, 'hmac_sha512_sign'), text(input), 'base64');
}

function hmacSha256Hex(this: FilterThis, input: unknown, key: unknown): string {
  if (isNil(key)) throw new Error('hmac_sha256_hex: a key is required');
  charge(this, text(input).length);
  return hmacWith('sha256', text(key), text(input), 'hex');
}

const JWT_ALGORITHMS: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

function base64Url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** `payload | jwt_encode: key, "HS256"`: a signed JWT (HMAC algorithms only; RSA keys are not supported). */
function jwtEncode(this: FilterThis, payload: unknown, key: unknown, algorithm: unknown): string {
  const alg = isNil(algorithm) ? 'HS256' : text(algorithm).trim().toUpperCase();
  const digest = JWT_ALGORITHMS[alg];
  if (!digest) throw new Error(`jwt_encode: unsupported algorithm ${JSON.stringify(alg)} (use HS256, HS384 or HS512)`);
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload ?? null);
  const unsigned = `${base64Url(JSON.stringify({ alg, typ: 'JWT' }))}.${base64Url(body)}`;
  charge(this, unsigned.length);
  return `${unsigned}.${createHmac(digest, text(key)).update(unsigned).digest('base64url')}`;
}

/** `token | jwt_decode: key, true`: `[payload, header]` as Ruby's JWT gem; with verify, a bad signature is an error. */
function jwtDecode(token: unknown, key: unknown, verify: unknown): unknown[] {
  const parts = text(token).split('.');
  if (parts.length !== 3) throw new Error('jwt_decode: not a JWT');
  const [head = '', body = '', signature = ''] = parts;
  let header: { alg?: unknown };
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: unknown };
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
  } catch {
    throw new Error('jwt_decode: not a JWT');
  }
  const shouldVerify = isNil(verify) || verify === true || text(verify).toLowerCase() === 'true';
  if (shouldVerify) {
    const digest = JWT_ALGORITHMS[text(header.alg)];
    if (!digest) throw new Error(`jwt_decode: unsupported algorithm ${JSON.stringify(text(header.alg))}`);
    const expected = createHmac(digest, text(key)).update(`${head}.${body}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new Error('jwt_decode: signature verification failed');
    }
  }
  return [payload, header];
}

/** `"" | random: 1, 10`: a whole number from `from` to `to`, both included. */
function random(_input: unknown, from: unknown, to: unknown): number {
  const low = Number(from);
  const high = Number(to);
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || high < low) {
    throw new Error('random: give two whole numbers, the lower first');
  }
  return randomInt(low, high + 1);
}

function randomVariable(_input: unknown, type: unknown): string {
  if (text(type).toLowerCase() !== 'uuid')
    throw new Error(`random_variable: unsupported type ${JSON.stringify(text(type))} (use "uuid")`);
  return randomUUID();
}

/** Every filter of this file by its reference name. */
export const REFERENCE_FILTERS: Readonly<Record<string, Filter>> = {
  group_by_exp: groupByExp,
  push,
  pop,
  shift,
  unshift,
  to_xml: toXml,
  string_escape: stringEscape,
  data_type: dataType,
  get_class: dataType,
  money,
  date_between: dateBetween,
  http_date: httpDate,
  sha2,
  sha256_encode64: sha256Encode64,
  hmac,
  hmac_sha256_sign: hmacSha256Sign,
  hmac_sha512_sign: hmacSha512Sign,
  hmac_sha256_hex: hmacSha256Hex,
  jwt_encode: jwtEncode,
  jwt_decode: jwtDecode,
  random,
  random_variable: randomVariable,
};
