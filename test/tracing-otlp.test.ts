import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import { expectRunSucceeds } from './helpers/runs.js';
import { must, setupWorkflow, type ApiClient } from './helpers/setup-workflow.js';
import { startWeirProcess, type WeirProcess } from './helpers/weir-process.js';
import { oneCalloutWorkflow } from './helpers/workflows.js';

/** A span as OTLP/HTTP JSON carries it (the fields read here). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
}

/**
 * issue 12 "Traces", as deployed: a `weir serve` with `WEIR_OTEL_ENABLED=true` and the standard
 * `OTEL_*` variables sends its spans over OTLP/HTTP to a collector (a local HTTP server standing in for
 * one), and says in its log when the collector refuses them.
 */
describe('traces exported over OTLP/HTTP', () => {
  let dataDir: string;
  let collector: CalloutTarget;
  let weir: WeirProcess;
  let admin: ApiClient;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'weir-otlp-'));
    collector = await startCalloutTarget();
    collector.on('/v1/traces', { body: {} });
    weir = await startWeirProcess({
      dataDir,
      env: {
        WEIR_OTEL_ENABLED: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.baseUrl,
        OTEL_SERVICE_NAME: 'weir-under-test',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test',
        // Batches leave every 100 ms instead of every 5 s.
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    admin = await weir.client();
  });

  afterAll(async () => {
    await weir?.kill();
    await collector?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Every span the collector received, with the resource attributes of its batch. */
  function received(): Array<OtlpSpan & { resource: Record<string, string> }> {
    return collector.requestsTo('/v1/traces').flatMap((request) => {
      const body = request.json as {
        resourceSpans: Array<{
          resource: { attributes: OtlpSpan['attributes'] };
          scopeSpans: Array<{ spans: OtlpSpan[] }>;
        }>;
      };
      return body.resourceSpans.flatMap((rs) => {
        const resource = Object.fromEntries(rs.resource.attributes.map((a) => [a.key, String(a.value.stringValue)]));
        return rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ ...span, resource })));
      });
    });
  }

  it('sends the trigger, run and task spans of a traced trigger to the collector', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const workflow = await setupWorkflow(admin, oneCalloutWorkflow({ url: collector.url('/called') }));
    const queued = must(
      await workflow.run({ headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } }),
      200,
      '/run',
    );
    await expectRunSucceeds(admin, queued.id);
    await expect.poll(() => received().filter((s) => s.traceId === traceId).length, { timeout: 15_000 }).toBe(3);
    const spans = received().filter((s) => s.traceId === traceId);
    expect(spans.map((s) => s.name).sort()).toEqual(['POST /api/v1/workflows/:id/run', 'run', 'task Callout']);
    for (const span of spans) {
      expect(span.resource).toMatchObject({
        'service.name': 'weir-under-test',
        'service.version': '0.1.0',
        'deployment.environment': 'test',
      });
    }
    const runSpan = spans.find((s) => s.name === 'run');
    const runId = runSpan?.attributes.find((a) => a.key === 'weir.run.id')?.value.intValue;
    expect(Number(runId)).toBe(queued.id);
    const taskSpan = spans.find((s) => s.name === 'task Callout');
    expect(collector.requestsTo('/called')[0]?.headers.traceparent).toBe(`00-${traceId}-${taskSpan?.spanId}-01`);
  });

  it('says in its log when the collector refuses spans, and goes on', async () => {
    collector.on('/v1/traces', { status: 400, body: { error: 'refused' } });
    const workflow = await setupWorkflow(admin, oneCalloutWorkflow({ url: collector.url('/called-again') }));
    await expectRunSucceeds(admin, must(await workflow.run(), 200, '/run').id);
    await expect.poll(() => weir.output(), { timeout: 15_000 }).toContain('"msg":"spans could not be exported"');
    const line = weir
      .output()
      .split('\n')
      .find((l) => l.includes('spans could not be exported'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({
      level: 40,
      dropped: expect.any(Number),
      error: expect.any(String),
    });
  });

  it('does not let a collector that never answers hold its shutdown', async () => {
    // The exporter's own timeouts are 10 s per request: the shutdown gives the last batch 2 s.
    collector.on('/v1/traces', { delayMs: 120_000 });
    const workflow = await setupWorkflow(admin, oneCalloutWorkflow({ url: collector.url('/called-last') }));
    await expectRunSucceeds(admin, must(await workflow.run(), 200, '/run').id);
    const stopping = Date.now();
    await weir.stop(30_000);
    expect(weir.child.signalCode).toBeNull();
    expect(weir.child.exitCode).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(9_000);
  });
});
