import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { compileJsonata } from './jsonata.js';
import { compileLiquid, DEFAULT_LIQUID_LIMITS } from './liquid.js';
import { TemplateError } from './template-engine.js';

/**
 * The longest the event loop was held while `work` ran, in ms. Held to 250 ms, not to the 10 ms
 * slice: on this shared 2-core machine the OS alone delays timers by up to ~90 ms. On the main
 * thread these renders would hold it for their whole run (0.5 s and more).
 */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  try {
    const result = await work();
    return { result, stallMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

const MAX_STALL_MS = 250;

async function rejection(promise: Promise<unknown>): Promise<TemplateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TemplateError);
  return error as TemplateError;
}

// 250,000 loop steps: ~0.1-1 s of CPU, far beyond the 10 ms the event loop lends one render.
const HEAVY_LIQUID = '{% for i in (1..500) %}{% for j in (1..500) %}{% endfor %}{% endfor %}done {{ Data.n }}';
// 4 million loop steps (within the memory budget): seconds of CPU, far past a 0.1 s render budget.
const RUNAWAY_LIQUID = '{% for i in (1..2000) %}{% for j in (1..2000) %}{% endfor %}{% endfor %}done {{ Data.n }}';

describe('template CPU limits', () => {
  it('finishes a long Liquid render in a worker without holding the event loop', async () => {
    const template = compileLiquid(HEAVY_LIQUID, { strictVariables: true });
    const { result, stallMs } = await longestStall(() => template.render({ Data: { n: 7 } }));
    expect(result).toBe('done 7');
    expect(stallMs).toBeLessThan(MAX_STALL_MS);
  });

  it('keeps assigns when a Logic::Liquid render moves to a worker', async () => {
    const template = compileLiquid(`${HEAVY_LIQUID}{% assign total = Data.n | times: 2 %}`, { strictVariables: true });
    const { assigns } = await template.renderCapturingAssigns({ Data: { n: 21 } });
    expect(assigns).toEqual({ total: 42 });
  });

  it('fails a render past its budget with a clear error, the event loop free meanwhile', async () => {
    const template = compileLiquid(
      RUNAWAY_LIQUID,
      { strictVariables: true },
      { ...DEFAULT_LIQUID_LIMITS, renderMs: 100 },
    );
    const { result: error, stallMs } = await longestStall(() => rejection(template.render({ Data: { n: 1 } })));
    expect(error.message).toBe('the Liquid template ran out of time (limit 0.1 s)');
    expect(error.templateKind).toBe('Liquid');
    expect(stallMs).toBeLessThan(MAX_STALL_MS);
  });

  it('keeps render errors the same when they happen in a worker', async () => {
    const template = compileLiquid(`${HEAVY_LIQUID}{{ Data.missing }}`, { strictVariables: true });
    expect((await rejection(template.render({ Data: { n: 1 } }))).message).toMatch(/^undefined variable: Data.missing/);
  });

  it('finishes a long JSONata evaluation in a worker, and times out there', async () => {
    const sum = compileJsonata('$sum([1..300000].($ % 7))');
    const { result, stallMs } = await longestStall(() => sum.evaluate({}));
    expect(result).toBe(899998);
    expect(stallMs).toBeLessThan(MAX_STALL_MS);
    const loop = compileJsonata('($loop := function($n) { $loop($n + 1) }; $loop(0))', {
      timeoutMs: 300,
      maxDepth: 500,
    });
    const timedOut = await longestStall(() => rejection(loop.evaluate({})));
    expect(timedOut.result.message).toMatch(/^Evaluation timeout after 300 milliseconds/);
    expect(timedOut.stallMs).toBeLessThan(MAX_STALL_MS);
  });
});
