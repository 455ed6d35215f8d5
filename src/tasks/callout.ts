import type { JsonObject, JsonValue } from '../model/records.js';
import type { TaskDefinition } from '../model/workflow-document.js';
import type { CompiledLiquid } from '../template/template-engine.js';
import { authorize, prepareAuth, type AuthSpec } from './callout-auth.js';
import { prepareBody, renderBody, type BodySpec, type RenderedBody } from './callout-body.js';
import {
  HEADER_NAME,
  MAX_RESPONSE_BYTES,
  jsonOrText,
  parseStatusCodes,
  placeRecord,
  readLimited,
  requestHeaderRecord,
  responseHeaderRecord,
  retryDueAt,
  statusAccepted,
} from './callout-support.js';
import {
  boolParam,
  compileLiquidParam,
  failure,
  guardTemplates,
  numberParam,
  objectParam,
  placementParam,
  renderParam,
  stringParam,
} from './task-helpers.js';
import {
  TaskParameterError,
  type PrepareTools,
  type TaskContext,
  type TaskOutcome,
  type TaskType,
  EgressRefusedError,
  isEgressRefusal,
} from './task-type.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
type Method = (typeof METHODS)[number];

const ERROR_CLASS = 'WorkflowError::Callout';

/** A Callout task's parameters, checked and compiled once per version. */
export interface CalloutPrepared {
  url: CompiledLiquid;
  method: Method;
  headers: { name: string; value: CompiledLiquid }[];
  body: BodySpec;
  auth: AuthSpec;
  /** Normalised `validation.status_codes`; empty means any 2xx. */
  statusCodes: string[];
  payloadLocation: string;
  replace: boolean;
  includeResponseCode: boolean;
  retryCount: number;
  retryWindowMs: number;
  timeoutMs: number;
}

function prepare(task: TaskDefinition, tools: PrepareTools): CalloutPrepared {
  const p = task.parameters;
  const strict = boolParam(p['strict_variables'], true);
  const liquid = (name: string, source: string): CompiledLiquid => compileLiquidParam(tools, name, source, strict);

  const method = (stringParam(p['method'], 'method').trim().toUpperCase() || 'GET') as Method;
  if (!METHODS.includes(method)) {
    throw new TaskParameterError('method', `method must be one of ${METHODS.join(', ')} (got "${method}").`);
  }

  const headers: CalloutPrepared['headers'] = [];
  const rawHeaders = p['headers'] ?? [];
  if (!Array.isArray(rawHeaders)) throw new TaskParameterError('headers', 'headers must be a list of {key, value}.');
  for (const [i, h] of rawHeaders.entries()) {
    const entry = objectParam(h, `headers[${i}]`);
    const name = stringParam(entry['key'], `headers[${i}].key`).trim();
    if (name === '') continue; // the reference's UI always exports an empty row
    if (!HEADER_NAME.test(name))
      throw new TaskParameterError(`headers[${i}].key`, `"${name}" is not a valid header name.`);
    headers.push({ name, value: liquid(`headers[${i}].value`, stringParam(entry['value'], `headers[${i}].value`)) });
  }

  if (boolParam(p['validate_response'], false)) {
    // Silently skipping a check the workflow relies on would let bad answers through.
    throw new TaskParameterError('validate_response', 'validate_response is not supported yet.');
  }

  const validation = objectParam(p['validation'], 'validation');
  const retry = objectParam(p['retry_rules'], 'retry_rules');
  return {
    url: liquid('url', stringParam(p['url'], 'url', true).trim()),
    method,
    headers,
    body: prepareBody(p, method, liquid),
    auth: prepareAuth(p['authorization'], liquid),
    statusCodes: parseStatusCodes(validation['status_codes']),
    payloadLocation: placementParam(validation['payload_location'], 'validation.payload_location', 'Callout'),
    replace: boolParam(validation['replace'], false),
    includeResponseCode: boolParam(p['include_response_code'], true),
    retryCount: numberParam(retry['retry_count'], 'retry_rules.retry_count', { min: 0, max: 10, fallback: 0 }),
    retryWindowMs:
      numberParam(retry['retry_window'], 'retry_rules.retry_window', { min: 0, max: 60, fallback: 30, decimal: true }) *
      60_000,
    timeoutMs: numberParam(p['timeout'], 'timeout', { min: 0.001, max: 300, fallback: 30, decimal: true }) * 1000,
  };
}

/** One HTTP exchange's result: an answer, or the reason there was none. */
type Exchange =
  | { ok: true; code: number; headers: Headers; body: string }
  | { ok: false; reason: string; retryable: boolean; code?: number; headers?: Headers };

async function execute(ctx: TaskContext<CalloutPrepared>): Promise<TaskOutcome> {
  const p = ctx.prepared;
  return guardTemplates(ctx.data, async () => {
    const url = (await renderParam(p.url, ctx.scope, 'url')).trim();
    const target = parseTarget(url);
    if (typeof target === 'string') return failure(ERROR_CLASS, target, ctx.data);

    const body = await renderBody(p.body, ctx.scope);
    const headers = new Headers();
    const rendered: [string, string][] = [];
    for (const h of p.headers) rendered.push([h.name, await renderParam(h.value, ctx.scope, `header ${h.name}`)]);
    if (!setHeaders(headers, rendered)) {
      return failure(
        ERROR_CLASS,
        'A rendered header value is not valid in HTTP (it contains a line break or control character).',
        ctx.data,
      );
    }
    if (!headers.has('idempotency-key')) headers.set('Idempotency-Key', ctx.idempotencyKey);
    if (body.forcedContentType !== null) headers.set('Content-Type', body.forcedContentType);
    else if (body.defaultContentType !== null && !headers.has('content-type')) {
      headers.set('Content-Type', body.defaultContentType);
    }

    ctx.log(`${p.method} ${url} (try ${ctx.attempt})`);
    const exchange = await sendAuthorized(ctx, target, headers, body);

    const responseBody = exchange.ok ? jsonOrText(exchange.body) : null;
    const record: JsonValue = p.includeResponseCode
      ? {
          URL: url,
          RequestBody: body.record,
          ResponseBody: responseBody,
          ResponseCode: exchange.code ?? null,
          RequestHeaders: requestHeaderRecord(headers, p.auth.type === 'hmac' ? [p.auth.headerName] : []),
          ResponseHeaders: exchange.headers ? responseHeaderRecord(exchange.headers) : {},
        }
      : responseBody;

    const tries = ctx.attempt;
    let message: string;
    if (exchange.ok) {
      if (statusAccepted(p.statusCodes, exchange.code)) {
        placeRecord(ctx.data, p.payloadLocation, record, p.replace);
        return { kind: 'success', data: ctx.data };
      }
      message = `Callout response was ${exchange.code} after ${tries} tries.`;
    } else {
      message = `Callout to ${url} failed after ${tries} tries: ${exchange.reason}.`;
      if (!exchange.retryable) {
        placeRecord(ctx.data, p.payloadLocation, record, p.replace);
        return failure(ERROR_CLASS, message, ctx.data);
      }
    }

    if (ctx.attempt <= p.retryCount) return retryLater(ctx, exchange.ok ? `status ${exchange.code}` : exchange.reason);
    placeRecord(ctx.data, p.payloadLocation, record, p.replace);
    return failure(ERROR_CLASS, message, ctx.data);
  });
}

/**
 * Sets `pairs` on `headers` (set, not append: a later value, such as the authorization setting's,
 * wins). False when a value is not valid in HTTP (a line break or control character).
 */
function setHeaders(headers: Headers, pairs: readonly [string, string][]): boolean {
  try {
    for (const [name, value] of pairs) headers.set(name, value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Authorizes and sends the request. With OAuth 2, a 401 answer means the cached token was revoked
 * or expired early: the token is dropped, a new one fetched, and the request sent once more.
 */
async function sendAuthorized(
  ctx: TaskContext<CalloutPrepared>,
  target: URL,
  headers: Headers,
  body: RenderedBody,
): Promise<Exchange> {
  const p = ctx.prepared;
  const io = { scope: ctx.scope, fetch: ctx.fetch, now: () => ctx.now(), timeoutMs: p.timeoutMs };
  let auth = await authorize(p.auth, io, body);
  for (let isRefetched = false; ; isRefetched = true) {
    if (!auth.ok) {
      ctx.log(`not sent: ${auth.reason}`);
      return { ok: false, reason: auth.reason, retryable: auth.retryable };
    }
    if (!setHeaders(headers, auth.headers)) {
      return { ok: false, reason: 'the authorization header is not valid in HTTP', retryable: false };
    }
    const started = performance.now();
    const exchange = await send(ctx, target, headers, body.payload ?? undefined);
    const ms = Math.round(performance.now() - started);
    ctx.log(
      exchange.ok || exchange.code !== undefined
        ? `answered ${exchange.code} in ${ms} ms`
        : `failed in ${ms} ms: ${exchange.reason}`,
    );
    if (isRefetched || auth.token === null || !exchange.ok || exchange.code !== 401) return exchange;
    ctx.log('fetching a new OAuth token after the 401, and sending again');
    auth = await authorize(p.auth, io, body, auth.token);
  }
}

/** The URL to call, or why it cannot be called (a message for the task error). */
function parseTarget(url: string): URL | string {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return `Callout URL "${url}" is not a valid absolute URL.`;
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return `Callout URL must use http or https (got ${target.protocol}).`;
  }
  if (target.username !== '' || target.password !== '') {
    // fetch refuses such URLs, and echoing them would leak the password into errors and logs.
    return 'Callout URL must not contain credentials; use the authorization setting.';
  }
  return target;
}

/** Sends the request and reads the answer, under the task's timeout and the run's stop signal. */
async function send(
  ctx: TaskContext<CalloutPrepared>,
  target: URL,
  headers: Headers,
  body: string | Uint8Array | undefined,
): Promise<Exchange> {
  const p = ctx.prepared;
  const timeout = AbortSignal.timeout(p.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  let res: Response | undefined;
  try {
    res = await ctx.fetch(target, { method: p.method, headers, body: body ?? null, signal });
    const read = await readLimited(res, MAX_RESPONSE_BYTES);
    if (read.tooLarge) {
      return {
        ok: false,
        reason: 'the response body is larger than 5 MiB',
        retryable: false,
        code: res.status,
        headers: res.headers,
      };
    }
    return { ok: true, code: res.status, headers: res.headers, body: read.text };
  } catch (err) {
    const partial = res ? { code: res.status, headers: res.headers } : {};
    if (ctx.signal.aborted) return { ok: false, reason: 'the run was stopped', retryable: false, ...partial };
    if (timeout.aborted)
      return { ok: false, reason: `no answer within ${p.timeoutMs / 1000} seconds`, retryable: true, ...partial };
    // The same URL would be refused again: no retry.
    if (isEgressRefusal(err)) return { ok: false, reason: egressReason(err), retryable: false, ...partial };
    return { ok: false, reason: networkReason(err), retryable: true, ...partial };
  }
}

/** The egress policy's reason, saying who refused. */
export function egressReason(err: Error): string {
  const refusal = err.cause instanceof EgressRefusedError ? err.cause : err;
  return `refused by the egress policy: ${refusal.message}`;
}

/** A short reason for a failed fetch; undici hides the useful part (ECONNREFUSED, ...) in `cause`. */
function networkReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause: unknown = err.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
  }
  return err.message;
}

/** The wait outcome for another try; the window starts at the first failure and is kept in state. */
function retryLater(ctx: TaskContext<CalloutPrepared>, reason: string): TaskOutcome {
  const p = ctx.prepared;
  const now = ctx.now();
  const started = ctx.state?.['retryWindowStart'];
  const windowStart = typeof started === 'number' ? started : now;
  const dueAt = retryDueAt({
    now,
    retry: ctx.attempt,
    retryCount: p.retryCount,
    windowMs: p.retryWindowMs,
    windowStart,
  });
  ctx.log(`retry ${ctx.attempt} of ${p.retryCount} at ${new Date(dueAt).toISOString()} (${reason})`);
  const state: JsonObject = { retryWindowStart: windowStart, lastFailure: reason };
  return { kind: 'wait', isRetry: true, dueAt, state };
}

/** `Callout`: an HTTP request whose answer is written to `Data[payload_location]` (default `Callout`). */
export const Callout: TaskType<CalloutPrepared> = {
  actionType: 'Callout',
  hooks: ['Success'],
  isResponsive: true,
  prepare,
  execute,
};
