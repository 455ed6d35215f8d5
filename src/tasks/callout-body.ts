import type { JsonObject, JsonValue } from '../model/records.js';
import type { CompiledLiquid, TemplateScope } from '../template/template-engine.js';
import { isJson, jsonOrText } from './callout-support.js';
import { objectParam, renderParam, stringParam } from './task-helpers.js';
import { TaskParameterError } from './task-type.js';

/**
 * The Callout task's request body: `body_type` `raw` (Liquid `raw_body`), `form-data` (multipart)
 * or `x-www-form-urlencoded` (both from `datas: [{key, value}]`, Liquid values), or `none`.
 */

export const BODY_TYPES = ['raw', 'form-data', 'x-www-form-urlencoded', 'none'] as const;

type FormKind = 'form-data' | 'x-www-form-urlencoded';

/** A body as prepared once per version. */
export type BodySpec =
  | { kind: 'none' }
  | { kind: 'raw'; template: CompiledLiquid }
  | { kind: FormKind; fields: { key: string; value: CompiledLiquid; name: string }[] };

/** A body rendered for one attempt. */
export interface RenderedBody {
  /** What is sent; null when nothing is. */
  payload: string | Uint8Array | null;
  /** The bytes an HMAC signs (the payload as sent; empty when there is none). */
  signed: Buffer;
  /** `Content-Type` to send when the task's headers set none (null: leave it to the task's headers). */
  defaultContentType: string | null;
  /**
   * A `Content-Type` that must win over the task's headers: a multipart body is only readable with
   * the boundary it was written with.
   */
  forcedContentType: string | null;
  /** `RequestBody` in the `Data` record: JSON or text for raw, `{key: value}` for forms, null for none. */
  record: JsonValue;
}

/** Checks `body_type` and its fields. GET and HEAD never send a body, as before forms existed. */
export function prepareBody(
  p: Record<string, unknown>,
  method: string,
  liquid: (name: string, source: string) => CompiledLiquid,
): BodySpec {
  const bodyType = stringParam(p['body_type'], 'body_type').trim().toLowerCase() || 'raw';
  if (!(BODY_TYPES as readonly string[]).includes(bodyType)) {
    throw new TaskParameterError(
      'body_type',
      `body_type "${bodyType}" is not supported; use ${BODY_TYPES.join(', ')}.`,
    );
  }
  if (bodyType === 'none' || method === 'GET' || method === 'HEAD') return { kind: 'none' };
  if (bodyType === 'raw') return { kind: 'raw', template: liquid('raw_body', stringParam(p['raw_body'], 'raw_body')) };

  const raw = p['datas'] ?? [];
  if (!Array.isArray(raw)) throw new TaskParameterError('datas', 'datas must be a list of {key, value}.');
  const fields: { key: string; value: CompiledLiquid; name: string }[] = [];
  for (const [i, entry] of raw.entries()) {
    const field = objectParam(entry, `datas[${i}]`);
    const key = stringParam(field['key'], `datas[${i}].key`).trim();
    if (key === '') continue; // the reference's UI exports an empty row
    const name = `datas[${i}].value`;
    fields.push({ key, value: liquid(name, stringParam(field['value'], name)), name });
  }
  return { kind: bodyType as FormKind, fields };
}

/** Renders the body against the attempt's scope. Template failures throw `TemplateError`. */
export async function renderBody(spec: BodySpec, scope: TemplateScope): Promise<RenderedBody> {
  switch (spec.kind) {
    case 'none':
      return {
        payload: null,
        signed: Buffer.alloc(0),
        defaultContentType: null,
        forcedContentType: null,
        record: null,
      };
    case 'raw': {
      const text = await renderParam(spec.template, scope, 'raw_body');
      return {
        payload: text === '' ? null : text,
        signed: Buffer.from(text, 'utf8'),
        defaultContentType: text === '' ? null : isJson(text) ? 'application/json' : 'text/plain;charset=UTF-8',
        forcedContentType: null,
        record: text === '' ? null : jsonOrText(text),
      };
    }
    case 'x-www-form-urlencoded': {
      const pairs = await renderFields(spec, scope);
      const text = new URLSearchParams(pairs).toString();
      return {
        payload: text,
        signed: Buffer.from(text, 'utf8'),
        defaultContentType: 'application/x-www-form-urlencoded;charset=UTF-8',
        forcedContentType: null,
        record: fieldRecord(pairs),
      };
    }
    case 'form-data': {
      const pairs = await renderFields(spec, scope);
      const form = new FormData();
      for (const [key, value] of pairs) form.append(key, value);
      // Serialised here rather than by fetch, so the exact bytes (and boundary) are known: an HMAC
      // signs them, and an OAuth retry after a 401 resends them.
      const encoded = new Response(form);
      const bytes = new Uint8Array(await encoded.arrayBuffer());
      return {
        payload: bytes,
        signed: Buffer.from(bytes),
        defaultContentType: null,
        forcedContentType: encoded.headers.get('content-type'),
        record: fieldRecord(pairs),
      };
    }
  }
}

async function renderFields(
  spec: Extract<BodySpec, { kind: FormKind }>,
  scope: TemplateScope,
): Promise<[string, string][]> {
  const pairs: [string, string][] = [];
  for (const field of spec.fields) pairs.push([field.key, await renderParam(field.value, scope, field.name)]);
  return pairs;
}

/** `{key: value}`; a key given several times keeps all its values, in order, as a list. */
function fieldRecord(pairs: [string, string][]): JsonObject {
  // A Map, then fromEntries: a key such as `__proto__` becomes a plain property, not a prototype.
  const values = new Map<string, string[]>();
  for (const [key, value] of pairs) values.set(key, [...(values.get(key) ?? []), value]);
  return Object.fromEntries(
    [...values].map(([key, list]): [string, JsonValue] => [key, list.length === 1 ? (list[0] ?? '') : list]),
  );
}
