import type { WeirConfig } from './config.js';
import { buildServer } from './api/server.js';
import { Engine } from './engine/engine.js';
import { OAuthClients } from './management/oauth-clients.js';
import { RunRequests } from './management/run-requests.js';
import type { RouteOptions } from 'fastify';
import { RetentionSweeper } from './engine/retention.js';
import { Scheduler } from './engine/scheduler.js';
import { VersionCatalog } from './management/version-catalog.js';
import { WorkflowCatalog } from './management/workflow-catalog.js';
import { SecretBox } from './secrets/secret-box.js';
import { SmtpMailSender } from './mail/smtp-mail-sender.js';
import { resolveSecretKey } from './secrets/secret-key-file.js';
import { EgressPolicy } from './net/egress-policy.js';
import { createGuardedFetch } from './net/guarded-fetch.js';
import { openStore } from './store/open-store.js';

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
  /** Stops taking requests, lets in-flight task instances finish or releases them, closes the store. */
  close(): Promise<void>;
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
}

/** Starts Weir: opens and migrates the store, recovers abandoned work, starts the engine and the server. */
export async function startWeir(config: WeirConfig, options: StartOptions = {}): Promise<RunningWeir> {
  const now = options.now ?? Date.now;
  const secrets = new SecretBox(resolveSecretKey(config.secretKey, config.dataDir));
  const store = await openStore(config.databaseUrl);
  let closeMail = (): void => undefined;
  try {
    const clients = new OAuthClients({ store, secrets, now });
    let generatedClient: RunningWeir['generatedClient'] = null;
    if (config.bootstrapClient) {
      await clients.upsertClient(config.bootstrapClient.clientId, config.bootstrapClient.clientSecret);
    } else if ((await clients.countClients()) === 0 && (await store.listClients()).length === 0) {
      const created = await clients.createClient('admin');
      generatedClient = { clientId: created.clientId, clientSecret: created.clientSecret };
    }
    const egress = new EgressPolicy(config.calloutAllow);
    const mail = config.smtpUrl
      ? new SmtpMailSender({ url: config.smtpUrl, defaultFrom: config.smtpFrom, egress })
      : null;
    closeMail = () => mail?.close();
    const engine = new Engine({
      store,
      workerConcurrency: config.workerConcurrency,
      now,
      fetch: createGuardedFetch({
        policy: egress,
        maxRedirects: config.calloutMaxRedirects,
        ...(options.fetch ? { baseFetch: options.fetch } : {}),
      }),
      mail,
      logError: (message, error) => app.log.error({ err: error }, message),
    });
    const hasTimers = options.hasBackgroundTimers ?? true;
    const logError = (message: string, error: unknown): void => app.log.error({ err: error }, message);
    const scheduler = new Scheduler({
      store,
      versions: engine.versions,
      startScheduledRun: (request) => engine.startScheduledRun(request),
      now,
      hasTimers,
      logError,
    });
    const retention = new RetentionSweeper({ store, now, hasTimers, logError });
    const catalog = new WorkflowCatalog({
      store,
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
    const app = await buildServer(
      { config, store, engine, catalog, versionCatalog, clients, runRequests, now },
      options.onRoute ? { onRoute: options.onRoute } : {},
    );
    const { recovered } = await engine.start();
    scheduler.start();
    retention.start();
    if (recovered > 0) app.log.info({ recovered }, 're-queued task instances left running by a previous process');
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    let isClosed = false;
    return {
      url: `http://${host}:${port}`,
      port,
      config,
      generatedClient,
      scheduler,
      retention,
      close: async () => {
        if (isClosed) return;
        isClosed = true;
        scheduler.stop();
        retention.stop();
        await app.close();
        await engine.stop();
        closeMail();
        await store.close();
      },
    };
  } catch (error) {
    closeMail();
    await store.close().catch(() => undefined);
    throw error;
  }
}
