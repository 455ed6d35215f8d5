/** The budgets of one render: apart from the renderers, which the worker pool and the renderers both import. */

/**
 * Budgets that keep a hostile template from hanging or exhausting the process. liquidjs checks
 * time between rendered nodes and charges "memory" for ranges, arrays and strings built by filters.
 */
export interface LiquidLimits {
  /** Wall-clock budget of one render, in milliseconds. */
  renderMs: number;
  /**
   * liquidjs memory units (array elements, characters) one render may allocate. This also caps
   * `(1..n)` ranges, which liquidjs materialises as arrays before the loop starts.
   */
  memoryUnits: number;
  /** Longest template source accepted, in characters. */
  sourceChars: number;
}

/** Budgets for one evaluation; both are checked each time JSONata enters a sub-expression. */
export interface JsonataLimits {
  /** Wall-clock budget of one evaluation, in milliseconds. */
  timeoutMs: number;
  /** Deepest nesting of sub-expression evaluations (catches runaway recursion). */
  maxDepth: number;
}
