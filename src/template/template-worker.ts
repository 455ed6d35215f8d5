import { parentPort } from 'node:worker_threads';
import { compileJsonataHere } from './jsonata.js';
import { compileLiquidHere } from './liquid.js';
import type { CompiledJsonata, CompiledLiquid } from './template-engine.js';
import { TemplateError } from './template-engine.js';
import type { TemplateJob, TemplateJobResult } from './template-worker-pool.js';

/**
 * The worker thread that finishes renders too long for the event loop (template-worker-pool.ts).
 * It runs one job at a time with the full budgets, so its wall time is its CPU time; the pool
 * terminates it if one uninterruptible step outlives the budget.
 */

/** Compiled templates by source, so a hot template is parsed once per worker. Bounded. */
const compiled = new Map<string, CompiledLiquid | CompiledJsonata>();
const CACHE_SIZE = 200;

function cached<T extends CompiledLiquid | CompiledJsonata>(key: string, make: () => T): T {
  let value = compiled.get(key) as T | undefined;
  if (!value) {
    value = make();
    if (compiled.size >= CACHE_SIZE) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, value);
  }
  return value;
}

async function run(job: TemplateJob): Promise<TemplateJobResult> {
  try {
    if (job.kind === 'liquid') {
      const key = `L${job.strictVariables ? 1 : 0}${JSON.stringify(job.limits)}\n${job.source}`;
      const template = cached(key, () =>
        compileLiquidHere(job.source, { strictVariables: job.strictVariables }, job.limits),
      );
      if (job.isCapturingAssigns) {
        const { output, assigns } = await template.renderCapturingAssigns(job.scope);
        return { id: job.id, ok: true, output, assigns };
      }
      return { id: job.id, ok: true, output: await template.render(job.scope) };
    }
    const key = `J${JSON.stringify(job.limits)}\n${job.expression}`;
    const expression = cached(key, () => compileJsonataHere(job.expression, job.limits));
    return { id: job.id, ok: true, value: await expression.evaluate(job.input, job.bindings) };
  } catch (error) {
    const isTemplate = error instanceof TemplateError;
    return {
      id: job.id,
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      templateKind: isTemplate ? error.templateKind : job.kind === 'liquid' ? 'Liquid' : 'JSONata',
    };
  }
}

parentPort?.on('message', (job: TemplateJob) => {
  void run(job).then((result) => parentPort?.postMessage(result));
});
