import type { DestinationStream } from 'pino';

/** One JSON line of Weir's log (pino). */
export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [field: string]: unknown;
}

/** pino's level numbers. */
export const LEVEL = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

/** A log destination that keeps everything written to it (pass `destination` as `logDestination`). */
export interface LogCapture {
  destination: DestinationStream;
  /** Everything written, as written. */
  text(): string;
  /** Every line, parsed; a line that is not JSON fails loudly. */
  lines(): LogLine[];
  /** The lines whose `msg` is `msg` and whose fields include `fields`. */
  find(msg: string, fields?: Record<string, unknown>): LogLine[];
}

export function captureLog(): LogCapture {
  let text = '';
  const lines = (): LogLine[] =>
    text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as LogLine;
        } catch {
          throw new Error(`a log line that is not JSON: ${line}`);
        }
      });
  return {
    destination: {
      write(chunk: string) {
        text += chunk;
      },
    },
    text: () => text,
    lines,
    find: (msg, fields = {}) =>
      lines().filter((line) => line.msg === msg && Object.entries(fields).every(([k, v]) => line[k] === v)),
  };
}
