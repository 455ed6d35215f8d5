import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/** A collector that is down is said once a minute, not once per batch. */
const REPORT_EVERY_MS = 60_000;

/**
 * Wraps an exporter so that spans it fails to deliver (the collector is down or refuses them) are
 * reported to Weir's log, at most once a minute with the count dropped meanwhile. OpenTelemetry's own
 * reporting goes to its global diagnostic logger, silent unless registered, and global.
 */
export class ReportingExporter implements SpanExporter {
  private lastReportAt = Number.NEGATIVE_INFINITY;
  private droppedSinceReport = 0;

  constructor(
    private readonly inner: SpanExporter,
    private readonly logWarn: (message: string, fields: Record<string, unknown>) => void,
    private readonly now: () => number = Date.now,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.failed(spans.length, result.error);
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  private failed(count: number, error: Error | undefined): void {
    this.droppedSinceReport += count;
    const at = this.now();
    if (at - this.lastReportAt < REPORT_EVERY_MS) return;
    this.logWarn('spans could not be exported', {
      dropped: this.droppedSinceReport,
      error: error?.message ?? 'unknown',
    });
    this.lastReportAt = at;
    this.droppedSinceReport = 0;
  }
}
