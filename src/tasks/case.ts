import type { TaskDefinition } from '../model/workflow-document.js';
import { compileSafeRegex } from '../template/safe-regex.js';
import type { CompiledLiquid } from '../template/template-engine.js';
import {
  boolParam,
  compileLiquidParam,
  guardTemplates,
  objectParam,
  renderParam,
  stringParam,
} from './task-helpers.js';
import {
  TaskParameterError,
  type PrepareTools,
  type TaskContext,
  type TaskOutcome,
  type TaskType,
} from './task-type.js';

/**
 * How many cases a Case task may have. The reference gives no number; 50 is far beyond any
 * hand-drawn graph, and the hooks must be declared up front.
 */
export const MAX_CASES = 50;
const CASE_KEY = /^Case_([1-9]\d*)$/;
const ELSE_HOOK = 'Case_Else';

/** One case: its hook and the test of the rendered value. */
interface CaseTest {
  hook: string;
  matches(value: string): boolean;
}

/** A Case task's compiled clause and its cases, in number order. */
export interface CasePrepared {
  clause: CompiledLiquid;
  cases: CaseTest[];
}

function prepare(task: TaskDefinition, tools: PrepareTools): CasePrepared {
  const p = task.parameters;
  const clause = compileLiquidParam(
    tools,
    'case_clause',
    stringParam(p['case_clause'], 'case_clause', true),
    boolParam(p['strict_variables'], true),
  );
  const isExact = boolParam(p['disable_regex'], false);
  const numbered: { n: number; test: CaseTest }[] = [];
  for (const [key, value] of Object.entries(objectParam(p['case_condition'], 'case_condition'))) {
    if (key === ELSE_HOOK) continue; // it has no condition; some files carry it empty
    const name = `case_condition.${key}`;
    const n = Number(CASE_KEY.exec(key)?.[1] ?? NaN);
    if (!Number.isInteger(n) || n > MAX_CASES) {
      throw new TaskParameterError(name, `${name}: cases are named Case_1 to Case_${MAX_CASES}.`);
    }
    const pattern = stringParam(value, name);
    numbered.push({ n, test: { hook: key, matches: isExact ? (v) => v === pattern : anchoredRegex(pattern, name) } });
  }
  numbered.sort((a, b) => a.n - b.n);
  return { clause, cases: numbered.map((c) => c.test) };
}

/**
 * The reference anchors case patterns: `USD` matches the value `USD` only, not `USDX`. The group
 * keeps an alternation (`USD|EUR`) inside the anchors. The value comes from the trigger caller,
 * so the pattern runs on RE2 (linear time, see safe-regex.ts). A pattern that does not compile
 * there (backreferences, lookaround) rejects the import.
 */
function anchoredRegex(pattern: string, name: string): (value: string) => boolean {
  let regex;
  try {
    regex = compileSafeRegex(`^(?:${pattern})$`);
  } catch (err) {
    throw new TaskParameterError(name, `${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return (value) => regex.test(value);
}

async function execute(ctx: TaskContext<CasePrepared>): Promise<TaskOutcome> {
  return guardTemplates(ctx.data, async () => {
    // Trimmed like If's clause: tags in a template leave line breaks around the value.
    const value = (await renderParam(ctx.prepared.clause, ctx.scope, 'case_clause')).trim();
    const matched = ctx.prepared.cases.find((c) => c.matches(value));
    const hook = matched?.hook ?? ELSE_HOOK;
    ctx.log(`fired ${hook}`);
    return { kind: 'success', hook, data: ctx.data };
  });
}

/**
 * `Logic::Case`: renders `case_clause` (Liquid) and fires the hook of the first case, by number,
 * whose pattern matches the whole value (`case_condition: {Case_1: "regex", ...}`; with
 * `disable_regex: "true"` an exact string comparison), or `Case_Else`. `Data` is unchanged.
 */
export const Case: TaskType<CasePrepared> = {
  actionType: 'Logic::Case',
  hooks: [...Array.from({ length: MAX_CASES }, (_, i) => `Case_${i + 1}`), ELSE_HOOK],
  isResponsive: true,
  hasSideEffects: false,
  prepare,
  execute,
};
