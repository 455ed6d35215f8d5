import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../model/records.js';
import { runUserCode, type UserCodeOptions, type UserCodeResult } from './sandbox.js';

/**
 * The sandbox's contract and the known escapes: each attempt must end as a failure value (or a
 * harmless value), leave the host untouched, and leave the next run clean.
 */

const LIMITS: UserCodeOptions = { timeoutMs: 2_000, memoryMb: 32 };

function run(code: string, input: JsonObject = {}, options: Partial<UserCodeOptions> = {}): Promise<UserCodeResult> {
  return runUserCode(code, input, { ...LIMITS, ...options });
}

/** The host can still run a step and its event loop is not blocked. */
async function expectHostHealthy(): Promise<void> {
  const started = performance.now();
  await new Promise((resolve) => setImmediate(resolve));
  expect(performance.now() - started).toBeLessThan(200);
  expect(await run('function step(input) { return input.n * 2; }', { n: 21 })).toEqual({
    ok: true,
    value: 42,
    logs: [],
  });
}

describe('runUserCode: the contract', () => {
  it('runs a script step with a copy of the input and returns its JSON value', async () => {
    const input = { account: { id: 'A-1', balance: 10 } };
    const result = await run(
      'function step(input) { input.account.balance += 5; return { id: input.account.id, balance: input.account.balance }; }',
      input,
    );
    expect(result).toEqual({ ok: true, value: { id: 'A-1', balance: 15 }, logs: [] });
    expect(input.account.balance).toBe(10);
  });

  it('accepts export function, async steps and const arrow functions; undefined becomes null', async () => {
    expect(await run('export async function step(input) { await null; return [input.a, "b"]; }', { a: 1 })).toEqual({
      ok: true,
      value: [1, 'b'],
      logs: [],
    });
    expect(await run('const step = (input) => input.a * 3;', { a: 2 })).toEqual({ ok: true, value: 6, logs: [] });
    expect(await run('function step() {}')).toEqual({ ok: true, value: null, logs: [] });
  });

  it('captures console output by level, formatted, bounded per line and in total', async () => {
    const result = await run(
      `function step() {
        console.log('plain', 1, { a: [true] });
        console.info('info'); console.warn('warn'); console.error(new TypeError('bad'));
        console.debug('x'.repeat(5000));
        for (let i = 0; i < 500; i++) console.log('line', i);
        return 'done';
      }`,
    );
    expect(result.ok).toBe(true);
    expect(result.logs.slice(0, 4)).toEqual([
      { level: 'log', text: 'plain 1 {"a":[true]}' },
      { level: 'info', text: 'info' },
      { level: 'warn', text: 'warn' },
      { level: 'error', text: 'TypeError: bad' },
    ]);
    expect(result.logs[4]).toEqual({ level: 'debug', text: `${'x'.repeat(2000)}…` });
    expect(result.logs).toHaveLength(201);
    expect(result.logs[199]).toEqual({ level: 'log', text: 'line 194' });
    expect(result.logs[200]).toEqual({
      level: 'warn',
      text: '[console output truncated: more than 200 lines or 65536 characters]',
    });
  });

  it('reports code without step, syntax errors and non-JSON results', async () => {
    expect(await run('const x = 1;')).toMatchObject({ ok: false, failure: 'no-step' });
    expect(await run('function step( {')).toMatchObject({
      ok: false,
      failure: 'syntax',
      message: expect.stringMatching(/^The code does not compile: SyntaxError: /),
    });
    expect(await run('function step() { return () => 1; }')).toEqual({
      ok: false,
      failure: 'not-json',
      message: 'step returned a value that is not JSON: step returned a function, which is not JSON',
      logs: [],
    });
    expect(await run('function step() { return 1n; }')).toMatchObject({
      ok: false,
      failure: 'not-json',
      message: 'step returned a value that is not JSON: TypeError: Do not know how to serialize a BigInt',
    });
  });
});

describe('runUserCode: throws', () => {
  it.each([
    ['an Error', 'throw new RangeError("too far")', 'RangeError: too far'],
    ['a string', 'throw "plain words"', 'plain words'],
    ['a number', 'throw 42', '42'],
    ['null', 'throw null', 'null'],
    ['undefined', 'throw undefined', 'undefined'],
    ['an object', 'throw { code: 7 }', '{"code":7}'],
    ['a symbol', 'throw Symbol("s")', 'Symbol(s)'],
    [
      'an object whose getters throw',
      'throw { get toJSON() { throw 1; }, toString() { throw 2; } }',
      '[a value that cannot be shown]',
    ],
  ])('reports %s thrown by step as its text', async (_what, statement, message) => {
    expect(await run(`function step() { ${statement}; }`)).toMatchObject({ ok: false, failure: 'thrown', message });
    expect(await run(`async function step() { await null; ${statement}; }`)).toMatchObject({
      ok: false,
      failure: 'thrown',
      message,
    });
  });

  it('reports top-level throws, with a stack of the code frames only', async () => {
    const result = await run('function step() {}\nthrow new TypeError("at load");');
    expect(result).toMatchObject({ ok: false, failure: 'thrown', message: 'TypeError: at load' });
    expect(!result.ok && result.details).toBe('TypeError: at load\n    at step.js:2:7');
    expect(await run('throw "words"; function step() {}')).toMatchObject({ failure: 'thrown', message: 'words' });
    expect(await run('throw { a: 1 }; function step() {}')).toMatchObject({
      failure: 'thrown',
      message: 'The top-level code threw an object that is not an Error.',
    });
  });
});

describe('runUserCode: escapes are contained', () => {
  it('has no process, require, module loading, timers or host globals', async () => {
    const result = await run(`function step() {
      const g = Function('return this')();
      return {
        process: typeof g.process, require: typeof require, module: typeof module, Buffer: typeof Buffer,
        setTimeout: typeof setTimeout, setInterval: typeof setInterval, queueMicrotask: typeof queueMicrotask,
        fetch: typeof fetch, WebAssembly: typeof WebAssembly, resize: typeof ArrayBuffer.prototype.resize,
      };
    }`);
    expect(result).toEqual({
      ok: true,
      value: {
        process: 'undefined',
        require: 'undefined',
        module: 'undefined',
        Buffer: 'undefined',
        setTimeout: 'undefined',
        setInterval: 'undefined',
        queueMicrotask: 'undefined',
        fetch: 'undefined',
        WebAssembly: 'undefined',
        resize: 'undefined',
      },
      logs: [],
    });
  });

  it.each([
    [
      'a constructor chain',
      `this.constructor.constructor('return process')().exit(1)`,
      /^ReferenceError: process is not defined$/,
    ],
    [
      'the global object',
      `Function('return this')().process.exit(1)`,
      /^TypeError: Cannot read properties of undefined/,
    ],
    ['require', `require('fs').readFileSync('/etc/passwd')`, /^ReferenceError: require is not defined$/],
    [
      'the console to the host',
      `console.log.constructor('return process')().exit(1)`,
      /^ReferenceError: process is not defined$/,
    ],
  ])('stops %s', async (_what, expression, message) => {
    const result = await run(`function step() { return ${expression}; }`);
    expect(result).toMatchObject({ ok: false, failure: 'thrown', message: expect.stringMatching(message) });
    await expectHostHealthy();
  });

  it('stops dynamic and static imports', async () => {
    expect(await run(`async function step() { const fs = await import('fs'); return typeof fs; }`)).toMatchObject({
      ok: false,
      failure: 'thrown',
      message: 'Error: Not supported',
    });
    expect(await run(`import fs from 'node:fs';\nexport function step() { return 1; }`)).toMatchObject({
      ok: false,
      failure: 'thrown',
      message: 'Error: import "node:fs" is not allowed: a step has no modules to import.',
    });
  });

  it('keeps prototype pollution inside the run: not in the host, not in the next run', async () => {
    const polluted = await run(`function step() {
      Object.prototype.polluted = 'yes'; Array.prototype.push = () => 0; JSON.stringify = () => '"forged"';
      return JSON.parse('{"__proto__": {"polluted": "from output"}}');
    }`);
    expect(polluted.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    // The harness kept its own JSON.stringify: the forged one changed nothing.
    expect(polluted.ok && Object.getOwnPropertyNames(polluted.value)).toEqual(['__proto__']);
    expect(
      await run(`function step() { const a = []; a.push(1); return [({}).polluted === undefined, a.length]; }`),
    ).toEqual({
      ok: true,
      value: [true, 1],
      logs: [],
    });
  });
});

describe('runUserCode: limits', () => {
  it.each([
    ['an infinite loop', 'function step() { while (true) {} }'],
    [
      'an infinite loop inside a promise',
      'function step() { return Promise.resolve().then(() => { while (true) {} }); }',
    ],
    ['an infinite loop at the top level', 'while (true) {}\nfunction step() {}'],
    ['an endless toJSON', 'function step() { return { toJSON() { for (;;) {} } }; }'],
    ['Atomics.wait', 'function step() { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); }'],
  ])('stops %s at the time limit', async (_what, code) => {
    const started = performance.now();
    const result = await run(code, {}, { timeoutMs: 300 });
    expect(result).toEqual({
      ok: false,
      failure: 'timeout',
      message: 'The code ran out of time (limit 0.3 s).',
      logs: [],
    });
    expect(performance.now() - started).toBeLessThan(1_300);
    await expectHostHealthy();
  });

  it('reports a promise that can never settle at once', async () => {
    const started = performance.now();
    expect(await run('function step() { return new Promise(() => {}); }')).toMatchObject({
      ok: false,
      failure: 'never-settled',
    });
    expect(performance.now() - started).toBeLessThan(LIMITS.timeoutMs);
  });

  it.each([
    [
      'objects',
      'const a = []; for (;;) a.push({ x: Math.random(), y: [1, 2, 3] });',
      'memory',
      'The code ran out of memory.',
    ],
    [
      'strings',
      'const a = []; for (;;) a.push("x".repeat(1e6) + Math.random());',
      'memory',
      'The code ran out of memory.',
    ],
    ['string doubling', 'let s = "x"; for (;;) s += s;', 'thrown', 'RangeError: Invalid string length'],
    [
      'typed arrays',
      'const a = []; for (;;) a.push(new Float64Array(1e6));',
      'thrown',
      'RangeError: Array buffer allocation failed',
    ],
    ['one huge buffer', 'new Uint8Array(2 ** 31).fill(1);', 'thrown', 'RangeError: Array buffer allocation failed'],
    // Resizable and growable buffers and WebAssembly memories are not counted by the isolate's
    // memory limit, so the sandbox removes them.
    [
      'a resizable buffer',
      'const b = new ArrayBuffer(1, { maxByteLength: 2 ** 30 }); b.resize(2 ** 29);',
      'thrown',
      'TypeError: b.resize is not a function',
    ],
    [
      'a growable shared buffer',
      'const b = new SharedArrayBuffer(1, { maxByteLength: 2 ** 30 }); b.grow(2 ** 29);',
      'thrown',
      'TypeError: b.grow is not a function',
    ],
    [
      'WebAssembly memory',
      'new WebAssembly.Memory({ initial: 1000 });',
      'thrown',
      'ReferenceError: WebAssembly is not defined',
    ],
  ])('contains a memory bomb: %s', async (_what, body, failure, message) => {
    const rssBefore = process.memoryUsage().rss;
    const result = await run(`function step() { ${body} return 'survived'; }`, {}, { timeoutMs: 10_000 });
    expect(result).toMatchObject({ ok: false, failure, message });
    // Nothing close to the half gigabyte the bombs ask for reached the host.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
    await expectHostHealthy();
  });

  it('rejects a result larger than the output limit, in the isolate or after the byte count', async () => {
    expect(await run('function step() { return "x".repeat(6 * 1024 * 1024); }')).toEqual({
      ok: false,
      failure: 'output-too-large',
      message: 'step returned 6.0 MiB of JSON; at most 5.0 MiB is allowed.',
      logs: [],
    });
    // 3 bytes per character in UTF-8: under the character cap, over the byte cap.
    expect(await run('function step() { return "€".repeat(1000); }', {}, { maxOutputBytes: 2048 })).toMatchObject({
      ok: false,
      failure: 'output-too-large',
    });
    await expectHostHealthy();
  });

  it('ends at once when the signal aborts', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const pending = run('function step() { while (true) {} }', {}, { timeoutMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect(await pending).toEqual({ ok: false, failure: 'aborted', message: 'The run was stopped.', logs: [] });
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
