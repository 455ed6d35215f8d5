import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { IncomingHttpHeaders } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { ObservedAttempt, RunOrigin, TaskAttemptTrace, TraceParent } from '../engine/engine-observer.js';
import type { RunRecord } from '../model/records.js';
import { detachedAgent } from './detached-agent.js';
import { ReportingExporter } from './reporting-exporter.js';

export interface TracingOptions {
  /** `OTEL_SERVICE_NAME`, default `weir`. */
  serviceName: string;
  /** Weir's version (`service.version`). */
  version: string;
  /** This node's id (`service.instance.id`). */
  nodeId: string;
  /**
   * Where spans go. Default: OTLP over HTTP (`OTEL_EXPORTER_OTLP_ENDPOINT`, ...), batched. A given
   * exporter (tests: `InMemorySpanExporter`) gets each span as it ends.
   */
  exporter?: SpanExporter;
  /** Told when spans could not be exported (at most once a minute). */
  logWarn: (message: string, fields: Record<string, unknown>) => void;
}

/** A trigger request's span, from its start to its answer. */
export interface TriggerTrace {
  /** The parent of the run the request starts. */
  readonly parent: TraceParent;
  /** Ends the span with the answer's status code. */
  end(statusCode: number, workflowId: number | null): void;
}

/** Run spans kept open in this process; past this many the oldest is ended (`weir.run.open`). */
const MAX_OPEN_RUNS = 10_000;
/** The longest a shutdown waits for the last spans to be sent. */
const SHUTDOWN_FLUSH_MS = 2_000;

/** The engine's opaque `TraceParent`, holding an OpenTelemetry context. */
class SpanParent implements TraceParent {
  readonly isTraceParent = true;
  constructor(readonly context: Context) {}
}

/**
 * Traces (OpenTelemetry), on only with `WEIR_OTEL_ENABLED=true`; nothing here is loaded otherwise.
 * A span per trigger request (its `traceparent` header, W3C, is its parent), per run (a child of the
 * trigger, of the task instance that started it as a sub-run, or a root for a scheduled run) and per
 * task instance attempt (a child of its run); callouts send the attempt's `traceparent`.
 * Contexts are passed explicitly, never through a global context manager, and the provider is not
 * registered globally, so each Weir in a process has its own.
 * A run's span lives in memory from its start to its end in this process: a task instance claimed
 * after a restart, or by another node, has no run span to join and starts a trace of its own
 * (with the run's id as an attribute). Persisting a run's trace context would join them (docs/operations.md).
 */
export class WeirTracing {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();
  private readonly runs: LRUCache<number, Span>;
  /** The OTLP exporter, when spans go to a collector. */
  private readonly otlp: ReportingExporter | null = null;

  constructor(options: TracingOptions) {
    const resource = detectResources({ detectors: [envDetector] }).merge(
      resourceFromAttributes({
        'service.name': options.serviceName,
        'service.version': options.version,
        'service.instance.id': options.nodeId,
      }),
    );
    let processor;
    if (options.exporter) {
      processor = new SimpleSpanProcessor(options.exporter);
    } else {
      this.otlp = new ReportingExporter(new OTLPTraceExporter({ httpAgentOptions: detachedAgent }), options.logWarn);
      processor = new BatchSpanProcessor(this.otlp);
    }
    this.provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
    this.tracer = this.provider.getTracer('weir', options.version);
    this.runs = new LRUCache<number, Span>({
      max: MAX_OPEN_RUNS,
      dispose: (span, _runId, reason) => {
        if (reason !== 'evict') return;
        span.setAttribute('weir.run.open', true);
        span.end();
      },
    });
  }

  /** Starts the span of a trigger request; its `traceparent` (and `tracestate`) header is the parent. */
  startTrigger(request: { method: string; route: string; path: string; headers: IncomingHttpHeaders }): TriggerTrace {
    const parent = this.propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
    const span = this.tracer.startSpan(
      `${request.method} ${request.route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': request.route,
          'url.path': request.path,
        },
      },
      parent,
    );
    return {
      parent: new SpanParent(trace.setSpan(parent, span)),
      end: (statusCode, workflowId) => {
        span.setAttribute('http.response.status_code', statusCode);
        if (workflowId !== null) span.setAttribute('weir.workflow.id', workflowId);
        if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      },
    };
  }

  runStarted(run: RunRecord, origin: RunOrigin, parent: TraceParent | undefined): void {
    const context = parent instanceof SpanParent ? parent.context : ROOT_CONTEXT;
    // The trigger's span says which run it started.
    if (origin === 'standard' || origin === 'sync') trace.getSpan(context)?.setAttribute('weir.run.id', run.id);
    const span = this.tracer.startSpan(
      'run',
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'weir.workflow.id': run.workflowId,
          'weir.version.id': run.versionId,
          'weir.run.id': run.id,
          'weir.run.name': run.name,
          'weir.run.mode': origin,
        },
      },
      context,
    );
    this.runs.set(run.id, span);
  }

  runFinished(run: RunRecord): void {
    const span = this.runs.get(run.id);
    if (!span) return;
    this.runs.delete(run.id);
    span.setAttribute('weir.run.status', run.status);
    if (run.result !== null) span.setAttribute('weir.run.result', run.result);
    if (run.errorClass !== null) {
      span.setAttribute('weir.error_class', run.errorClass);
      if (run.status !== 'Stopped') span.setStatus({ code: SpanStatusCode.ERROR, message: run.errorMessage ?? '' });
    }
    span.end();
  }

  taskStarted(attempt: ObservedAttempt): TaskAttemptTrace {
    const { instance } = attempt;
    const runSpan = this.runs.get(instance.runId);
    const parent = runSpan ? trace.setSpan(ROOT_CONTEXT, runSpan) : ROOT_CONTEXT;
    const span = this.tracer.startSpan(
      `task ${instance.actionType}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'weir.workflow.id': instance.workflowId,
          'weir.run.id': instance.runId,
          'weir.task.id': instance.taskId,
          'weir.task.name': instance.name,
          'weir.task_instance.id': instance.id,
          'weir.task_instance.attempt': instance.attempt,
          'weir.action_type': instance.actionType,
        },
      },
      parent,
    );
    return new AttemptTrace(span, trace.setSpan(parent, span), this.propagator);
  }

  taskEnded(attempt: ObservedAttempt): void {
    if (!(attempt.trace instanceof AttemptTrace)) return;
    const { span } = attempt.trace;
    const recorded = attempt.recorded;
    // Not written: the lease was lost or the node stopped; whoever runs it next reports it.
    span.setAttribute('weir.task_instance.status', recorded?.status ?? 'Unrecorded');
    if (recorded?.status === 'Error' && recorded.error) {
      span.setAttribute('weir.error_class', recorded.error.errorClass);
      span.setStatus({ code: SpanStatusCode.ERROR, message: recorded.error.message });
    }
    if (recorded?.status === 'Pending' && recorded.isRetry === true)
      span.setAttribute('weir.task_instance.retry', true);
    span.end();
  }

  /**
   * Ends the run spans still open (`weir.run.open`: the run goes on elsewhere or after a restart) and
   * sends what is buffered, waiting at most `SHUTDOWN_FLUSH_MS`: a collector that is down must not hold
   * the shutdown for the exporter's own timeouts (10 s per request, 30 s per batch).
   */
  async shutdown(): Promise<void> {
    for (const span of this.runs.values()) {
      span.setAttribute('weir.run.open', true);
      span.end();
    }
    this.runs.clear();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SHUTDOWN_FLUSH_MS);
      timer.unref();
    });
    const flushed = this.provider.shutdown().catch(() => undefined);
    await Promise.race([flushed, deadline]);
    clearTimeout(timer);
    // Past the budget: what still waits for the collector is dropped (and said), and the exporter's own
    // shutdown, which waits for those requests, is not waited for: nothing holds the exit.
    this.otlp?.abandonPending();
  }
}

/** One attempt's span: sub-runs are its children, its callouts carry its `traceparent`. */
class AttemptTrace implements TaskAttemptTrace {
  readonly parent: SpanParent;

  constructor(
    readonly span: Span,
    context: Context,
    private readonly propagator: W3CTraceContextPropagator,
  ) {
    this.parent = new SpanParent(context);
  }

  wrapFetch(base: typeof globalThis.fetch): typeof globalThis.fetch {
    const carrier: Record<string, string> = {};
    this.propagator.inject(this.parent.context, carrier, defaultTextMapSetter);
    return (input, init) => {
      // A task's own `traceparent` header wins; a Request's headers are kept unless init replaces them.
      const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
      for (const [name, value] of Object.entries(carrier)) if (!headers.has(name)) headers.set(name, value);
      return base(input, { ...init, headers });
    };
  }
}
