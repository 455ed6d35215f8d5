import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/** A collector that is down is said once a minute, not once per batch. */
const REPORT_EVERY_MS = 60_000;

/**
 * Wraps an exporter so that spans it fails to deliver (the collector is down or refuses them) are
 * reported to Weir's log, at most once a minute with the count dropped meanwhile. OpenTelemetry's own
 * reporting goes to its global diagnostic logger, silent unless registered, and global.
 * It also lets a shutdown give up on exports still waiting for the collector (`abandonPending`): the
 * batch processor holds a timer until each export is answered, which would keep the process alive
 * for the exporter's own timeouts.
 */
export class ReportingExporter implements SpanExporter {
  private lastReportAt = Number.NEGATIVE_INFINITY;
  private droppedSinceReport = 0;
  /** Exports not answered yet: their span count, by their callback. */
  private readonly pending = new Map<(result: ExportResult) => void, number>();

  constructor(
    private readonly inner: SpanExporter,
    private readonly logWarn: (message: string, fields: Record<string, unknown>) => void,
    private readonly now: () => number = Date.now,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.pending.set(resultCallback, spans.length);
    this.inner.export(spans, (result) => {
      // Answered after a shutdown gave up on it: already reported.
      if (!this.pending.delete(resultCallback)) return;
      if (result.code !== ExportResultCode.SUCCESS) this.failed(spans.length, result.error);
      resultCallback(result);
    });
  }

  /** Ends every export still waiting for the collector as failed (its spans are dropped, and said). */
  abandonPending(): void {
    const error = new Error('Weir shut down before the collector answered');
    for (const [callback, count] of [...this.pending]) {
      this.pending.delete(callback);
      this.failed(count, error);
      callback({ code: ExportResultCode.FAILED, error });
    }
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
