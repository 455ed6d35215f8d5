/**
 * A Callout task instance's HTTP exchange, read back from what the instance already holds: the record
 * the callout placed in its output Data (`URL`, `RequestHeaders`, `RequestBody`, `ResponseCode`,
 * `ResponseHeaders`, `ResponseBody`, at `validation.payload_location`, default `Callout`), the method
 * from its log line (`POST https://… (try 1)`) or its parameters. Secrets are masked for the screen.
 */

export interface HeaderLine {
  name: string;
  value: string;
  isMasked: boolean;
}

export interface CalloutExchange {
  method: string;
  url: string;
  requestHeaders: HeaderLine[];
  requestBody: unknown;
  /** Null when no answer came (refused, timed out). */
  responseCode: number | null;
  responseHeaders: HeaderLine[];
  responseBody: unknown;
  /** How many tries the log shows. */
  tries: number;
}

export const MASK = '••••••••';

/** Header and query names whose values are secrets. `Idempotency-Key` names a key that is not one. */
const SECRET_NAME = /authorization|cookie|token|secret|password|passwd|api[-_]?key|session|signature|credential/i;
const NOT_SECRET = new Set(['idempotency-key']);

export function isSecretName(name: string): boolean {
  return !NOT_SECRET.has(name.toLowerCase()) && SECRET_NAME.test(name);
}

/** The URL with a password in it and secret-named query values masked. */
export function maskUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.password) parsed.password = 'masked';
  for (const name of [...parsed.searchParams.keys()]) {
    if (isSecretName(name)) parsed.searchParams.set(name, 'masked');
  }
  return parsed.toString();
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function headerLines(value: unknown): HeaderLine[] {
  if (!isObject(value)) return [];
  return Object.entries(value).map(([name, raw]) => {
    const text = Array.isArray(raw) ? raw.map(String).join(', ') : String(raw);
    const isMasked = isSecretName(name) || text === '[redacted]';
    return { name, value: isMasked ? MASK : text, isMasked };
  });
}

/** The last exchange record at `location`: a callout in a branch may append to a list there. */
function recordAt(data: unknown, location: string): Record<string, unknown> | undefined {
  if (!isObject(data)) return undefined;
  const place = data[location];
  const candidates = Array.isArray(place) ? [...place].reverse() : [place];
  return candidates.find((c): c is Record<string, unknown> => isObject(c) && 'URL' in c && 'ResponseCode' in c);
}

export interface CalloutInstanceView {
  action_type: string;
  parameters: Record<string, unknown>;
  data_out?: Record<string, unknown> | null;
  error_details?: unknown;
  log?: string | null;
}

/** The exchange of a Callout task instance, or undefined when it holds none (not a Callout, not sent yet). */
export function calloutExchange(instance: CalloutInstanceView): CalloutExchange | undefined {
  if (instance.action_type !== 'Callout') return undefined;
  const validation = isObject(instance.parameters.validation) ? instance.parameters.validation : {};
  const location =
    typeof validation.payload_location === 'string' && validation.payload_location.trim()
      ? validation.payload_location.trim()
      : 'Callout';
  const record = recordAt(instance.data_out, location) ?? recordAt(instance.error_details, location);
  const log = instance.log ?? '';
  const sends = [...log.matchAll(/^([A-Z]+) (\S+) \(try (\d+)\)$/gm)];
  const lastSend = sends.at(-1);
  if (!record && !lastSend) return undefined;
  const method =
    lastSend?.[1] ??
    (typeof instance.parameters.method === 'string' ? instance.parameters.method.toUpperCase() : 'GET');
  const url = typeof record?.URL === 'string' ? record.URL : (lastSend?.[2] ?? '');
  return {
    method,
    url: maskUrl(url),
    requestHeaders: headerLines(record?.RequestHeaders),
    requestBody: record?.RequestBody ?? null,
    responseCode: typeof record?.ResponseCode === 'number' ? record.ResponseCode : null,
    responseHeaders: headerLines(record?.ResponseHeaders),
    responseBody: record?.ResponseBody ?? null,
    tries: Math.max(sends.length, lastSend ? Number(lastSend[3]) : 0),
  };
}
