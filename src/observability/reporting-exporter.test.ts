import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { ReportingExporter } from './reporting-exporter.js';

/** A collector's exporter whose answers the test gives, one per export, in order. */
function heldExporter(): SpanExporter & { answer(result: ExportResult): void } {
  const waiting: Array<(result: ExportResult) => void> = [];
  return {
    export: (_spans, callback) => void waiting.push(callback),
    shutdown: async () => undefined,
    answer: (result) => waiting.shift()?.(result),
  };
}

const spans = (n: number): ReadableSpan[] => Array.from({ length: n }, () => ({}) as ReadableSpan);

describe('ReportingExporter', () => {
  it('says failed exports at most once a minute, with the spans dropped since it last said', () => {
    const inner = heldExporter();
    const said: Array<Record<string, unknown>> = [];
    let clock = 0;
    const exporter = new ReportingExporter(
      inner,
      (_message, fields) => said.push(fields),
      () => clock,
    );
    const results: ExportResult[] = [];
    for (const n of [3, 4, 5]) exporter.export(spans(n), (result) => results.push(result));
    inner.answer({ code: ExportResultCode.FAILED, error: new Error('ECONNREFUSED') });
    clock = 30_000;
    inner.answer({ code: ExportResultCode.FAILED, error: new Error('ECONNREFUSED') });
    clock = 60_000;
    inner.answer({ code: ExportResultCode.FAILED, error: new Error('400 Bad Request') });
    expect(said).toEqual([
      { dropped: 3, error: 'ECONNREFUSED' },
      { dropped: 9, error: '400 Bad Request' },
    ]);
    expect(results.map((r) => r.code)).toEqual([
      ExportResultCode.FAILED,
      ExportResultCode.FAILED,
      ExportResultCode.FAILED,
    ]);
  });

  it('passes successes through silently', () => {
    const inner = heldExporter();
    const said: unknown[] = [];
    const exporter = new ReportingExporter(inner, (message) => said.push(message));
    const results: ExportResult[] = [];
    exporter.export(spans(2), (result) => results.push(result));
    inner.answer({ code: ExportResultCode.SUCCESS });
    expect(results).toEqual([{ code: ExportResultCode.SUCCESS }]);
    expect(said).toEqual([]);
  });

  it('ends exports still waiting as failed when abandoned, and ignores their late answers', () => {
    const inner = heldExporter();
    const said: Array<Record<string, unknown>> = [];
    const exporter = new ReportingExporter(inner, (_message, fields) => said.push(fields));
    const results: ExportResult[] = [];
    exporter.export(spans(7), (result) => results.push(result));
    exporter.abandonPending();
    expect(results).toHaveLength(1);
    expect(results[0]?.code).toBe(ExportResultCode.FAILED);
    expect(said).toEqual([{ dropped: 7, error: 'Weir shut down before the collector answered' }]);
    inner.answer({ code: ExportResultCode.SUCCESS });
    expect(results).toHaveLength(1);
  });
});
