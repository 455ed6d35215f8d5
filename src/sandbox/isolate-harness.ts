/**
 * JavaScript evaluated inside each isolate before the user's code. It evaluates to a factory
 * `(hostLog, limits) => {start, outcome}`:
 *
 * - It removes what would let the code allocate memory outside the isolate's heap accounting: in
 *   V8 11 (Node 20) `WebAssembly.Memory`, `ArrayBuffer.prototype.resize` and
 *   `SharedArrayBuffer.prototype.grow` commit memory that `memoryLimit` does not count (measured:
 *   512 MB resident from a 16 MB isolate). Nothing of the user's runs before this, so no reference
 *   to them survives.
 * - It installs `console`, formatting arguments to text here (only strings cross to the host) and
 *   enforcing the line and size bounds, so a chatty loop costs no host calls past the cap.
 * - `start(step, input)` calls `step`, and when its result (or promise) settles records the outcome
 *   as plain strings: the JSON text, or the thrown value's text. `outcome()` reads it. isolated-vm
 *   drains the microtask queue before a call returns, so an outcome still `pending` after `start`
 *   can never change: nothing in the isolate (no timers, no I/O) could settle it later.
 *
 * It keeps its own references to the built-ins it uses, so user code replacing `JSON.stringify` or
 * `Promise.prototype.then` only changes its own result, which the host checks again anyway.
 */
export const HARNESS_SOURCE = String.raw`(function (hostLog, limits) {
  'use strict';
  const stringify = JSON.stringify;
  const toText = String;
  const ErrorClass = Error;
  const apply = Reflect.apply;
  const slice = String.prototype.slice;
  const then = Promise.prototype.then;
  const resolve = Promise.resolve;
  const PromiseClass = Promise;
  const freeze = Object.freeze;
  const defineProperty = Object.defineProperty;

  delete globalThis.WebAssembly;
  delete ArrayBuffer.prototype.resize;
  if (typeof SharedArrayBuffer === 'function') delete SharedArrayBuffer.prototype.grow;

  const cut = (text, max) => (text.length > max ? apply(slice, text, [0, max]) + '…' : text);

  function describe(value) {
    if (typeof value === 'string') return value;
    try {
      if (value instanceof ErrorClass) return toText(value.name) + ': ' + toText(value.message);
    } catch (_) {}
    try {
      const json = stringify(value);
      if (typeof json === 'string') return json;
    } catch (_) {}
    try {
      return toText(value);
    } catch (_) {
      return '[a value that cannot be shown]';
    }
  }

  let lines = 0;
  let chars = 0;
  let isFull = false;
  function write(level, args) {
    if (isFull) return;
    let text = '';
    for (let i = 0; i < args.length; i++) {
      text += (i > 0 ? ' ' : '') + describe(args[i]);
      if (text.length > limits.lineChars) break;
    }
    text = cut(text, limits.lineChars);
    lines += 1;
    chars += text.length;
    if (lines > limits.lines || chars > limits.totalChars) {
      isFull = true;
      hostLog('warn', '[console output truncated: more than ' + limits.lines + ' lines or ' + limits.totalChars + ' characters]');
      return;
    }
    hostLog(level, text);
  }
  const console = {};
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    console[level] = function (...args) {
      write(level, args);
    };
  }
  defineProperty(globalThis, 'console', { value: freeze(console), writable: true, configurable: true, enumerable: false });

  let outcome = { state: 'pending' };
  function settle(value) {
    if (value === undefined) {
      outcome = { state: 'value', json: 'null' };
      return;
    }
    let json;
    try {
      json = stringify(value);
    } catch (error) {
      outcome = { state: 'not-json', message: cut(describe(error), 2000) };
      return;
    }
    if (typeof json !== 'string') {
      outcome = { state: 'not-json', message: 'step returned a ' + typeof value + ', which is not JSON' };
    } else if (json.length > limits.outputChars) {
      outcome = { state: 'too-large', chars: json.length };
    } else {
      outcome = { state: 'value', json: json };
    }
  }
  function fail(error) {
    let stack = '';
    try {
      if (error instanceof ErrorClass && typeof error.stack === 'string') stack = cut(error.stack, 4000);
    } catch (_) {}
    outcome = { state: 'thrown', message: cut(describe(error), 2000), stack: stack };
  }

  return {
    start(step, input) {
      if (typeof step !== 'function') {
        outcome = { state: 'no-step' };
        return;
      }
      let result;
      try {
        result = step(input);
      } catch (error) {
        fail(error);
        return;
      }
      try {
        apply(then, apply(resolve, PromiseClass, [result]), [settle, fail]);
      } catch (error) {
        fail(error);
      }
    },
    outcome() {
      return outcome;
    },
  };
})`;
