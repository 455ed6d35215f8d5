import { expect } from 'vitest';

/** One sample of a Prometheus text exposition. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A parsed exposition: samples, and each metric family's declared type. */
export interface PrometheusText {
  samples: PrometheusSample[];
  types: Map<string, string>;
  /** The value of the sample `name` with exactly these labels, or undefined when there is none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/;
/** A sample value: a Go float, as Prometheus parses it (NaN and Inf in any case). */
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|[+-]?inf|nan)$/i;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * Parses the Prometheus text format (version 0.0.4) strictly: every line is a `# HELP`, a `# TYPE`
 * or a sample whose family was declared; a line that is none of these fails the test, naming it.
 */
export function parsePrometheus(text: string): PrometheusText {
  const samples: PrometheusSample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      expect(TYPES.has(type ?? ''), `metric type in "${line}"`).toBe(true);
      types.set(name ?? '', type ?? '');
      continue;
    }
    const match = SAMPLE.exec(line);
    expect(match, `a Prometheus sample line: "${line}"`).not.toBeNull();
    const [, name = '', rawLabels = '', rawValue = ''] = match ?? [];
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < rawLabels.length) {
      const label = LABEL.exec(rawLabels);
      expect(label, `labels of "${line}"`).not.toBeNull();
      if (!label) break;
      labels[label[1] ?? ''] = (label[2] ?? '').replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
    }
    expect(VALUE.test(rawValue), `the value of "${line}"`).toBe(true);
    const family = name.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(name) || types.has(family), `a # TYPE line before "${line}"`).toBe(true);
    samples.push({ name, labels, value: parseValue(rawValue) });
  }
  return {
    samples,
    types,
    value: (name, labels = {}) => {
      const wanted = Object.entries(labels);
      return samples.find(
        (s) =>
          s.name === name &&
          Object.keys(s.labels).length === wanted.length &&
          wanted.every(([k, v]) => s.labels[k] === v),
      )?.value;
    },
  };
}

function parseValue(raw: string): number {
  if (/^nan$/i.test(raw)) return NaN;
  if (/^[+]?inf$/i.test(raw)) return Infinity;
  if (/^-inf$/i.test(raw)) return -Infinity;
  return Number(raw);
}
