import type { JsonObject, JsonValue } from './records.js';
import { flag, type InputField } from './workflow-document.js';

/** Names the reference reserves (Rails routing and auth params); a trigger carrying one is rejected. */
export const RESERVED_INPUT_NAMES: readonly string[] = [
  'controller',
  'action',
  'id',
  'user_email',
  'user_token',
  'format',
];

/** A declared input, ready for the hot path. */
export interface InputDeclaration {
  /** The name a caller uses: `callout_id` when set, else `field_name`. */
  requestName: string;
  objectName: string;
  fieldName: string;
  datatype: InputField['datatype'];
  isRequired: boolean;
  /** The coerced default, or undefined when there is none. */
  defaultValue: JsonValue | undefined;
}

export type InputProblem =
  { kind: 'missing'; declaration: InputDeclaration } | { kind: 'invalid'; field: string; title: string };

/** Builds declarations from a version's `parameters.fields`. Throws `InputDeclarationError` on a bad default. */
export function declareInputs(fields: readonly InputField[]): InputDeclaration[] {
  return fields.map((field) => {
    const requestName = field.callout_id?.trim() ? field.callout_id.trim() : field.field_name;
    const declaration: InputDeclaration = {
      requestName,
      objectName: field.object_name,
      fieldName: field.field_name,
      datatype: field.datatype,
      isRequired: flag(field.required),
      defaultValue: undefined,
    };
    if (!isBlank(field.default)) {
      const coerced = coerce(declaration, field.default);
      if (!coerced.ok) throw new InputDeclarationError(requestName, coerced.title);
      declaration.defaultValue = coerced.value;
    }
    return declaration;
  });
}

export class InputDeclarationError extends Error {
  override readonly name = 'InputDeclarationError';
  constructor(
    readonly field: string,
    title: string,
  ) {
    super(`The default of input '${field}' is invalid: ${title}`);
  }
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/**
 * Reads the declared inputs out of the merged request parameters: coerced values at
 * `{object_name: {field_name: value}}`, defaults applied. Undeclared parameters are ignored.
 */
export function readInputs(
  declarations: readonly InputDeclaration[],
  params: Record<string, unknown>,
): { inputs: JsonObject; problems: InputProblem[] } {
  const inputs: JsonObject = {};
  const problems: InputProblem[] = [];
  for (const declaration of declarations) {
    const raw = Object.hasOwn(params, declaration.requestName) ? params[declaration.requestName] : undefined;
    let value: JsonValue | undefined;
    if (isBlank(raw)) {
      value = declaration.defaultValue;
      if (value === undefined && declaration.isRequired) {
        problems.push({ kind: 'missing', declaration });
        continue;
      }
    } else {
      const coerced = coerce(declaration, raw);
      if (!coerced.ok) {
        problems.push({ kind: 'invalid', field: declaration.requestName, title: coerced.title });
        continue;
      }
      value = coerced.value;
    }
    if (value === undefined) continue;
    const object = (inputs[declaration.objectName] ??= {}) as JsonObject;
    object[declaration.fieldName] = value;
  }
  return { inputs, problems };
}

type Coerced = { ok: true; value: JsonValue } | { ok: false; title: string };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME_LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function invalid(declaration: InputDeclaration, expected: string, value: unknown): Coerced {
  return {
    ok: false,
    title: `Parameter '${declaration.requestName}' must be ${expected}; got ${describe(value)}.`,
  };
}

/** Coerces one value to a declared datatype (see docs/decisions.md for the accepted forms). */
export function coerce(declaration: InputDeclaration, value: unknown): Coerced {
  switch (declaration.datatype) {
    case 'Text':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return invalid(declaration, 'text', value);
    case 'Integer': {
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { ok: true, value };
      if (typeof value === 'string' && /^[-+]?\d{1,15}$/.test(value.trim())) {
        return { ok: true, value: Number(value.trim()) };
      }
      return invalid(declaration, 'an Integer', value);
    }
    case 'Decimal': {
      if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value };
      if (typeof value === 'string' && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value.trim())) {
        const number = Number(value.trim());
        if (Number.isFinite(number)) return { ok: true, value: number };
      }
      return invalid(declaration, 'a Decimal', value);
    }
    case 'Boolean': {
      if (typeof value === 'boolean') return { ok: true, value };
      const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim().toLowerCase() : '';
      if (text === 'true' || text === '1') return { ok: true, value: true };
      if (text === 'false' || text === '0') return { ok: true, value: false };
      return invalid(declaration, 'a Boolean (true or false)', value);
    }
    case 'Date':
      if (typeof value === 'string' && DATE.test(value) && isRealDate(value)) return { ok: true, value };
      return invalid(declaration, 'a Date (YYYY-MM-DD)', value);
    case 'DateTime-Local':
      if (typeof value === 'string' && DATE_TIME_LOCAL.test(value) && isRealDate(value.slice(0, 10))) {
        return { ok: true, value };
      }
      return invalid(declaration, 'a DateTime-Local (YYYY-MM-DDTHH:MM:SS)', value);
    case 'JSON':
      if (typeof value === 'string') {
        try {
          return { ok: true, value: JSON.parse(value) as JsonValue };
        } catch {
          return invalid(declaration, 'JSON', value);
        }
      }
      return { ok: true, value: value as JsonValue };
  }
}

function isRealDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}
