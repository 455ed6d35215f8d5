/**
 * The shape of a task type's spec (its parameters and how each is edited), and reading and writing
 * parameter values by path. The specs themselves are in the task library.
 */

export type ParameterKind =
  /** One line of text (Liquid allowed where the contract says so). */
  | 'text'
  /** Several lines: Liquid, JSONata or JavaScript. */
  | 'code'
  | 'select'
  | 'number'
  /** The reference's string booleans: "true" / "false". */
  | 'flag'
  /** A list of strings, one per line. */
  | 'list'
  /** `[{key, value}]`, e.g. headers. */
  | 'pairs'
  /** `{name: value}` of strings, e.g. `case_condition`. */
  | 'map'
  /** Any JSON value. */
  | 'json'
  /** A credential: picked from the global constants, never shown once stored (secret-field.tsx). */
  | 'secret';

export interface ParameterSpec {
  /** Where the value sits in `parameters`, e.g. `['retry_rules', 'retry_count']`. */
  path: readonly string[];
  label: string;
  kind: ParameterKind;
  options?: readonly string[];
  isRequired?: boolean;
  hint?: string;
  /** Shown only when another parameter has one of these values. */
  showWhen?: { path: readonly string[]; values: readonly string[] };
  /** What the engine assumes when the parameter is absent (shown, never written unless changed). */
  defaultValue?: string;
  /** `pairs` of HTTP headers: a value whose header name says credential is a secret field. */
  hasSecretValues?: boolean;
}

export interface TaskTypeSpec {
  actionType: string;
  title: string;
  description: string;
  /** The hooks of its outgoing linkages; `Logic::Case` adds one per case (see `hooksOf`). */
  hooks: readonly string[];
  parameters: readonly ParameterSpec[];
  defaults: () => Record<string, unknown>;
  /**
   * What testing the task really does outside Weir (a request, a mail, a run), for the types the server
   * refuses to test without `confirm_side_effects`; absent: nothing leaves Weir.
   */
  sendsOutside?: string;
}

/** The value at `path` inside `parameters`. */
export function valueAt(parameters: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = parameters;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A copy of `parameters` with `value` at `path` (objects on the way are created or copied). */
export function withValueAt(
  parameters: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return parameters;
  if (rest.length === 0) {
    const copy = { ...parameters };
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const inner = parameters[head];
  const innerObject =
    typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? (inner as Record<string, unknown>) : {};
  return { ...parameters, [head]: withValueAt(innerObject, rest, value) };
}

/** Whether a parameter's field is shown, given the other values of its task (of type `type`). */
export function isShown(parameter: ParameterSpec, parameters: Record<string, unknown>, type: TaskTypeSpec): boolean {
  if (!parameter.showWhen) return true;
  const condition = parameter.showWhen;
  const value = valueAt(parameters, condition.path);
  const controlling = type.parameters.find((p) => p.path.join('.') === condition.path.join('.'));
  const text =
    value === undefined || value === null || value === '' ? (controlling?.defaultValue ?? '') : String(value);
  return condition.values.includes(text);
}

/** Whether a value counts as missing for a required parameter. */
export function isBlankValue(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  );
}
