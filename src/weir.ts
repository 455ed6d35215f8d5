import type { WeirConfig } from './config.js';
import { buildServer } from './api/server.js';
import { Engine, newNodeId } from './engine/engine.js';
import { OAuthClients } from './management/oauth-clients.js';
import { RunRequests } from './management/run-requests.js';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { PortInUseError, SecretKeyMismatchError } from './startup-errors.js';
import type { Store } from './store/store.js';
import { RetentionSweeper } from './engine/retention.js';
import { Scheduler } from './engine/scheduler.js';
import { GlobalConstants } from './management/global-constants.js';
import { ImportIdempotency } from './management/import-idempotency.js';
import { VersionCatalog } from './management/version-catalog.js';
import { WorkflowCatalog } from './management/workflow-catalog.js';
import { SecretBox } from './secrets/secret-box.js';
import { resolveSecretKey } from './secrets/secret-key-file.js';
import { EgressPolicy } from './net/egress-policy.js';
import { createGuardedFetch } from './net/guarded-fetch.js';
import { openStore } from './store/open-store.js';
import { redactUrl } from './store/redact-url.js';
import { StoreHealth } from './store/store-health.js';
import { DrainGate } from './api/drain-gate.js';
import { shutDown } from './shutdown.js';
import { WeirMetrics } from './observability/metrics.js';
import { createLogger } from './observability/logger.js';
import { EngineObservers, observeStore } from './observability/observers.js';
import type { WeirTracing } from './observability/tracing.js';
import { WEIR_VERSION } from './version.js';
import type { DestinationStream } from 'pino';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

/** A running Weir: HTTP server, engine and store. */
export interface RunningWeir {
  /** The base URL it listens on, e.g. http://127.0.0.1:43127 */
  url: string;
  port: number;
  config: WeirConfig;
  /** An admin client generated on first start of an empty database (shown once), else null. */
  generatedClient: { clientId: string; clientSecret: string } | null;
  /** The scheduled trigger; `tick(now)` fires what is due at `now` (tests drive it with their clock). */
  scheduler: Scheduler;
  /** Retention; `tick(now)` deletes what is expired at `now`. */
  retention: RetentionSweeper;
  /**
   * Graceful shutdown (`src/shutdown.ts`): new requests get 503, in-flight task instances get the grace
   * period (default `WEIR_SHUTDOWN_GRACE_SECONDS`) to finish, the rest are aborted and released, then
   * the server and the store close. Calling it again returns the same promise.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

export interface StartOptions {
  /** Injectable clock (epoch ms), for tests. */
  now?: () => number;
  /** HTTP client for callouts, for tests. */
  fetch?: typeof fetch;
  /**
   * False: the scheduler and retention set no timers and act only when their `tick` is called (tests
   * with an injected clock). Default true.
   */
  hasBackgroundTimers?: boolean;
  /** Told about every route the server registers (tests check the API description covers them). */
  onRoute?: (route: RouteOptions) => void;
  /** Where the log's JSON lines go instead of stdout (tests read them). */
  logDestination?: DestinationStream;
  /** With `otelEnabled`: where spans go instead of OTLP (tests: an in-memory exporter). */
  spanExporter?: SpanExporter;
}

/**
 * Every node of a database must use the same secret key (it opens the sealed credentials and verifies
 * the tokens any node issued): the first start records the key's fingerprint, and a node started with
 * another key stops here, before it answers anything it could not open.
 */
async function checkSecretKey(store: Store, secrets: SecretBox, now: number): Promise<void> {
  const recorded = await store.nodes.claimKeyFingerprint(secrets.fingerprint, now);
  if (recorded === secrets.fingerprint) return;
  throw new SecretKeyMismatchError(
    'This secret key is not the one this database was set up with: the credentials and tokens it holds ' +
      'could not be opened. Start every node with the same WEIR_SECRET_KEY (or the same secret.key in its ' +
      'data dir) as the first one.',
  );
}

/** Listens on the configured port; a port already taken is a sentence, not a stack trace. */
async function listen(app: FastifyInstance, config: WeirConfig): Promise<void> {
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    if ((error as { code?: string }).code === 'EADDRINUSE') {
      throw new PortInUseError(
        `Port ${config.port} on ${config.host} is already in use by another process. ` +
          'Stop it, or start Weir with another --port (or WEIR_PORT).',
      );
    }
    throw error;
  }
}

/** Starts Weir: opens and migrates the store, recovers abandoned work, starts the engine and the server. */
export async function startWeir(config: WeirConfig, options: StartOptions = {}): Promise<RunningWeir> {
  const now = options.now ?? Date.now;
  const startedAt = performance.now();
  const logger = createLogger({
    level: config.logLevel,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const database = redactUrl(config.databaseUrl);
  logger.info(
    { version: WEIR_VERSION, nodeVersion: process.version, database, logLevel: config.logLevel },
    'starting Weir',
  );
  const secrets = new SecretBox(resolveSecretKey(config.secretKey, config.dataDir));
  const metrics = new WeirMetrics({ version: WEIR_VERSION, now });
  const nodeId = newNodeId();
  // Fed by every storage failure the engine, the store or a request meets; `/health` reads it. Real
  // time, not the injectable clock: how long ago a write failed is a wall-clock matter.
  const health = new StoreHealth({ probe: () => store.probe(), now: Date.now });
  const store = await openStore(config.databaseUrl, {
    role: 'server',
    poolSize: config.pgPoolSize,
    applicationName: `weir ${nodeId}`,
    onError: (message, error) => {
      health.observe(error);
      logger.error({ err: error }, message);
    },
    observer: observeStore(metrics, logger),
    lockWaitMs: config.sqliteBusySeconds * 1000,
    maxSizeBytes: config.sqliteMaxSizeMb === null ? null : config.sqliteMaxSizeMb * 1024 * 1024,
  });
  const observers = new EngineObservers(metrics, logger);
  let tracing: WeirTracing | null = null;
  let closeMail = (): void => undefined;
  let engine: Engine | undefined;
  // What was started before a failure, stopped in reverse order so the process can exit.
  const undo: Array<() => unknown> = [];
  try {
    await checkSecretKey(store, secrets, now());
    const clients = new OAuthClients({ store, secrets, now });
    let generatedClient: RunningWeir['generatedClient'] = null;
    if (config.bootstrapClient) {
      await clients.upsertClient(config.bootstrapClient.clientId, config.bootstrapClient.clientSecret);
    } else if ((await clients.countClients()) === 0 && (await store.catalog.listClients()).length === 0) {
      const created = await clients.createClient('admin');
      generatedClient = { clientId: created.clientId, clientSecret: created.clientSecret };
    }
    const egress = new EgressPolicy(config.calloutAllow);
    const mail = config.smtpUrl
      ? // Loaded only with an SMTP server set: nodemailer is 12 MB and 50 ms of start-up.
        new (await import('./mail/smtp-mail-sender.js')).SmtpMailSender({
          url: config.smtpUrl,
          defaultFrom: config.smtpFrom,
          egress,
        })
      : null;
    closeMail = () => mail?.close();
    const globalConstants = new GlobalConstants({ store, secrets, now });
    const started = new Engine({
      nodeId,
      observer: observers,
      globalConstants: () => globalConstants.values(),
      store,
      workerConcurrency: config.workerConcurrency,
      leaseMs: config.leaseSeconds * 1000,
      leaseSweepIntervalMs: config.leaseSweepSeconds * 1000,
      heartbeatMs: config.nodeHeartbeatSeconds * 1000,
      nodeTimeoutMs: config.nodeTimeoutSeconds * 1000,
      version: WEIR_VERSION,
      now,
      fetch: createGuardedFetch({
        policy: egress,
        maxRedirects: config.calloutMaxRedirects,
        ...(options.fetch ? { baseFetch: options.fetch } : {}),
      }),
      mail,
      logError: (message, error) => {
        health.observe(error);
        logger.error({ err: error }, message);
      },
      logInfo: (message, fields) => logger.info(fields, message),
      logWarn: (message, fields) => logger.warn(fields, message),
    });
    engine = started;
    if (config.otelEnabled) {
      // Loaded only when on: with tracing off, no OpenTelemetry code is in the process.
      const { WeirTracing } = await import('./observability/tracing.js');
      tracing = new WeirTracing({
        serviceName: config.otelServiceName,
        version: WEIR_VERSION,
        nodeId: started.nodeId,
        ...(options.spanExporter ? { exporter: options.spanExporter } : {}),
        logWarn: (message, fields) => logger.warn(fields, message),
      });
      observers.attachTracing(tracing);
    }
    const hasTimers = options.hasBackgroundTimers ?? true;
    const logError = (message: string, error: unknown): void => logger.error({ err: error }, message);
    const scheduler = new Scheduler({
      store,
      versions: started.versions,
      startScheduledRun: (request) => started.startScheduledRun(request),
      now,
      hasTimers,
      logError,
    });
    const retention = new RetentionSweeper({ store, now, hasTimers, logError });
    const catalog = new WorkflowCatalog({
      store,
      notifier: store.notifier,
      versions: engine.versions,
      secrets,
      now,
      onChange: () => {
        scheduler.refresh();
        retention.refresh();
      },
    });
    const versionCatalog = new VersionCatalog({ store, versions: engine.versions, catalog, now });
    const runRequests = new RunRequests(engine, config.syncTimeoutSeconds * 1000, config.syncConcurrency);
    metrics.watch({
      queueSnapshot: (at) => store.reads.queueStats(at),
      syncInFlight: () => runRequests.syncInFlightCount,
      runWaiters: () => started.waiters.waitingCount,
    });
    const drain = new DrainGate();
    const app = await buildServer(
      {
        config,
        store,
        storeHealth: health,
        drain,
        engine,
        catalog,
        versionCatalog,
        clients,
        runRequests,
        metrics,
        importIdempotency: new ImportIdempotency({ keys: store.importKeys, now }),
        globalConstants,
        now,
      },
      { logger, tracing, ...(options.onRoute ? { onRoute: options.onRoute } : {}) },
    );
    undo.push(() => app.close());
    const { recovered } = await started.start();
    scheduler.start();
    retention.start();
    undo.push(() => {
      scheduler.stop();
      retention.stop();
    });
    if (recovered > 0) app.log.info({ recovered }, 're-queued task instances left running by a previous process');
    await listen(app, config);
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host}:${port}`;
    logger.info(
      {
        url,
        node: started.nodeId,
        version: WEIR_VERSION,
        database,
        recovered,
        ...(config.bootstrapClient ? { bootstrapClientId: config.bootstrapClient.clientId } : {}),
        ...(generatedClient ? { generatedClientId: generatedClient.clientId } : {}),
        workerConcurrency: config.workerConcurrency,
        syncConcurrency: config.syncConcurrency,
        metrics: config.metricsPublic ? 'public' : 'bearer token',
        tracing: tracing ? 'on' : 'off',
        startupMs: Math.round(performance.now() - startedAt),
      },
      'Weir is ready',
    );
    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      config,
      generatedClient,
      scheduler,
      retention,
      // The shutdown's steps live in src/shutdown.ts; what is stopped, and in which order, is listed
      // here. A part added to the start (the node registry, say) adds its stop to `stopTimers` (work it
      // starts) or `closeResources` (what it holds until the end).
      close: (closeOptions = {}) => {
        closing ??= shutDown(
          {
            app,
            engine: started,
            drain,
            stopTimers: () => {
              scheduler.stop();
              retention.stop();
            },
            closeResources: async () => {
              closeMail();
              await tracing?.shutdown();
              await store.close();
            },
          },
          closeOptions.graceMs ?? config.shutdownGraceSeconds * 1000,
        );
        return closing;
      },
    };
  } catch (error) {
    for (const step of undo.reverse()) await Promise.resolve(step()).catch(() => undefined);
    await engine?.stop(0).catch(() => undefined);
    await tracing?.shutdown().catch(() => undefined);
    closeMail();
    await store.close().catch(() => undefined);
    throw error;
  }
}
