import type { JsonValue } from '../model/records.js';

/**
 * The scopes a Liquid template sees: `Data`, `WorkflowInstance`, `TaskInstance`, `WorkflowSetup`,
 * `GlobalConstants`. Values are plain JSON; templates never see host objects.
 */
export interface TemplateScope {
  Data: Record<string, JsonValue>;
  WorkflowInstance?: Record<string, JsonValue>;
  TaskInstance?: Record<string, JsonValue>;
  WorkflowSetup?: Record<string, JsonValue>;
  GlobalConstants?: Record<string, JsonValue>;
}

/** Options for compiling a Liquid template. */
export interface LiquidOptions {
  /** Missing variables raise a `TemplateError` (the reference's default, `strict_variables: "true"`). */
  strictVariables: boolean;
}

/** A Liquid template parsed once (per version), rendered many times. */
export interface CompiledLiquid {
  /** Renders to text. Throws `TemplateError` on an undefined variable (strict) or a render failure. */
  render(scope: TemplateScope): Promise<string>;
  /** Renders and keeps the variables assigned or captured at the top level (Logic::Liquid). */
  renderCapturingAssigns(scope: TemplateScope): Promise<{ output: string; assigns: Record<string, JsonValue> }>;
}

/** A JSONata expression compiled once, evaluated many times against `Data`-like input. */
export interface CompiledJsonata {
  /** Evaluates; throws `TemplateError` on failure. `undefined` results become `null`. */
  evaluate(input: JsonValue, bindings?: Record<string, JsonValue>): Promise<JsonValue>;
}

/** A template that could not be parsed or rendered. Tasks turn it into a task error. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    message: string,
    readonly templateKind: 'Liquid' | 'JSONata',
  ) {
    super(message);
  }
}
