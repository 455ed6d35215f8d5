import { flag, requestNameOf, type InputField } from './document';

/**
 * The Run form: one control per declared input, values kept as the text a control holds, turned into
 * the request's values (typed as the datatype says) when the form is sent.
 */

/** A form value as its control holds it. */
export type FormValues = Record<string, string>;

export function isRequired(field: InputField): boolean {
  return flag(field.required);
}

/** A default as the text its control shows. */
export function defaultText(field: InputField): string {
  const value = field.default;
  if (value === undefined || value === null) return '';
  if (field.datatype === 'JSON') return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  if (field.datatype === 'Boolean')
    return flag(value) ? 'true' : String(value).toLowerCase() === 'false' ? 'false' : '';
  if (field.datatype === 'DateTime-Local' && typeof value === 'string') return value.slice(0, 19);
  return String(value);
}

export function initialValues(fields: readonly InputField[]): FormValues {
  return Object.fromEntries(fields.map((field) => [requestNameOf(field), defaultText(field)]));
}

export type FormResult = { ok: true; inputs: Record<string, unknown> } | { ok: false; errors: Record<string, string> };

/** Turns the form into request inputs; blank optional fields are left out (the server applies defaults). */
export function toInputs(fields: readonly InputField[], values: FormValues): FormResult {
  const inputs: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const name = requestNameOf(field);
    const text = (values[name] ?? '').trim();
    if (text === '') {
      if (isRequired(field) && (field.default === undefined || field.default === null || field.default === '')) {
        errors[name] = `${name} is required.`;
      }
      continue;
    }
    switch (field.datatype) {
      case 'Integer':
        if (!/^-?\d+$/.test(text)) errors[name] = `${name} must be a whole number.`;
        else inputs[name] = Number(text);
        break;
      case 'Decimal':
        if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) errors[name] = `${name} must be a number.`;
        else inputs[name] = Number(text);
        break;
      case 'Boolean':
        inputs[name] = text === 'true';
        break;
      case 'JSON':
        try {
          inputs[name] = JSON.parse(text);
        } catch {
          errors[name] = `${name} must be valid JSON.`;
        }
        break;
      default:
        inputs[name] = values[name] ?? '';
    }
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, inputs };
}

/** An example body for curl: each input's default, or a placeholder of its type. */
export function exampleInputs(fields: readonly InputField[]): Record<string, unknown> {
  const example: Record<string, unknown> = {};
  for (const field of fields) {
    const name = requestNameOf(field);
    const text = defaultText(field);
    const parsed = text === '' ? undefined : toInputs([field], { [name]: text });
    if (parsed?.ok && name in parsed.inputs) {
      example[name] = parsed.inputs[name];
      continue;
    }
    example[name] = PLACEHOLDERS[field.datatype] ?? 'value';
  }
  return example;
}

const PLACEHOLDERS: Record<string, unknown> = {
  Text: 'text',
  Integer: 1,
  Decimal: 1.5,
  Boolean: true,
  Date: '2026-01-31',
  'DateTime-Local': '2026-01-31T09:30:00',
  JSON: {},
};
