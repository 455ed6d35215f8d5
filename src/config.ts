import path from 'node:path';
import { EgressAllowlistError, EgressPolicy } from './net/egress-policy.js';

/** Weir's settings, from flags and the environment (see README "Configuration"). */
export interface WeirConfig {
  /** Port to listen on; 0 picks a free one. `WEIR_PORT`, default 8080. */
  port: number;
  /** `WEIR_HOST`, default 127.0.0.1. */
  host: string;
  /** `WEIR_DATA_DIR`, default ./weir-data: the SQLite file and the generated secret key live here. */
  dataDir: string;
  /** `WEIR_DATABASE_URL`: `sqlite:<path>` (or a bare path); default `sqlite:<dataDir>/weir.db`. */
  databaseUrl: string;
  /** `WEIR_SECRET_KEY`: seals trigger credentials and signs tokens; generated into the data dir when absent. */
  secretKey: string | null;
  /** `WEIR_SYNC_TIMEOUT_SECONDS`, default 110: how long `/sync` waits before answering 408. */
  syncTimeoutSeconds: number;
  /** `WEIR_SYNC_CONCURRENCY`, default 64: responsive runs in flight per process. */
  syncConcurrency: number;
  /**
   * `WEIR_WORKER_CONCURRENCY`, default 32: task instances this process executes at once from the queue.
   * 0 makes a node that takes triggers (and executes its responsive runs) but claims nothing from the queue.
   */
  workerConcurrency: number;
  /** How long a claim holds a task instance without renewal (`WEIR_LEASE_SECONDS`, default 60). */
  leaseSeconds: number;
  /** How often every node re-queues work whose lease expired (`WEIR_LEASE_SWEEP_SECONDS`, default 10). */
  leaseSweepSeconds: number;
  /** How often this node heartbeats in the node registry (`WEIR_NODE_HEARTBEAT_SECONDS`, default 5). */
  nodeHeartbeatSeconds: number;
  /**
   * A node silent this long is declared gone and the others take over its work (`WEIR_NODE_TIMEOUT_SECONDS`,
   * default 30; at least twice the heartbeat).
   */
  nodeTimeoutSeconds: number;
  /** PostgreSQL: connections in each node's pool (`WEIR_PG_POOL_SIZE`, default 10). */
  pgPoolSize: number;
  /** `WEIR_BOOTSTRAP_CLIENT_ID` / `WEIR_BOOTSTRAP_CLIENT_SECRET`: an OAuth client with every scope, created or updated at start. */
  bootstrapClient: { clientId: string; clientSecret: string } | null;
  /** `WEIR_PUBLIC_URL`: the base URL shown in settings; default derived from the request. */
  publicUrl: string | null;
  /** `WEIR_LOG_LEVEL`, default info. */
  logLevel: string;
  /**
   * `WEIR_SMTP_URL`: the SMTP server of the Email task, `smtp://user:pass@host:port` (`smtps://` for
   * TLS from the start); null leaves Email tasks failing with "Email is not configured".
   */
  smtpUrl: string | null;
  /** `WEIR_SMTP_FROM`: the sender of Email tasks that set no `from`. */
  smtpFrom: string | null;
  /** `WEIR_METRICS_PUBLIC`, default false: `GET /metrics` without a bearer token (for a scraper on a private network). */
  metricsPublic: boolean;
  /**
   * `WEIR_CALLOUT_ALLOW`: comma-separated CIDRs and host names that callouts, their OAuth token
   * requests and the SMTP connection may reach although they are loopback, private, link-local
   * or reserved (denied by default), e.g. `127.0.0.1/32,10.0.0.0/8,billing.internal`. Default none.
   */
  calloutAllow: string[];
  /** `WEIR_CALLOUT_MAX_REDIRECTS`, default 5: redirects a callout follows (each hop checked); 0 follows none. */
  calloutMaxRedirects: number;
  /**
   * `WEIR_OTEL_ENABLED`, default false: OpenTelemetry traces, exported over OTLP/HTTP to the collector
   * the standard `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) names, default
   * http://localhost:4318 (docs/operations.md, "Traces").
   */
  otelEnabled: boolean;
  /** `OTEL_SERVICE_NAME`, default `weir`: the service name on Weir's spans. */
  otelServiceName: string;
  /**
   * `WEIR_SHUTDOWN_GRACE_SECONDS`, default 30: on SIGTERM, how long task instances in flight may finish
   * before they are aborted and released to the queue; the process exits within grace + 5 s.
   */
  shutdownGraceSeconds: number;
  /** `WEIR_HEADERS_TIMEOUT_SECONDS`, default 10: a request whose headers are not all received by then gets 408. */
  headersTimeoutSeconds: number;
  /** `WEIR_REQUEST_TIMEOUT_SECONDS`, default 30: a request (headers and body) not all received by then gets 408. */
  requestTimeoutSeconds: number;
  /**
   * `WEIR_TRUST_PROXY`, default false: whether the client address comes from `X-Forwarded-For` (set it
   * behind a load balancer, or every caller is the balancer to the per-IP rate limits). `true`, a
   * number of proxy hops, or comma-separated addresses/CIDRs of the trusted proxies.
   */
  trustProxy: boolean | number | string[];
  /** `POST /oauth/token` requests per minute from one IP address (`WEIR_TOKEN_RATE_LIMIT_PER_IP`, default 300; 0 off). */
  tokenRateLimitPerIp: number;
  /** `POST /oauth/token` requests per minute for one client id (`WEIR_TOKEN_RATE_LIMIT_PER_CLIENT`, default 60; 0 off). */
  tokenRateLimitPerClient: number;
  /** Trigger requests per minute from one IP address (`WEIR_TRIGGER_RATE_LIMIT_PER_IP`, default 0: off). */
  triggerRateLimitPerIp: number;
  /** Trigger requests per minute to one workflow (`WEIR_TRIGGER_RATE_LIMIT_PER_WORKFLOW`, default 0: off). */
  triggerRateLimitPerWorkflow: number;
  /**
   * `WEIR_SQLITE_BUSY_SECONDS`, default 5: how long a write waits, off the event loop, for a write lock
   * another process holds on the SQLite file before the request is answered 503.
   */
  sqliteBusySeconds: number;
  /** `WEIR_SQLITE_MAX_SIZE_MB`, default none: a cap on the SQLite file; past it writes answer 503. */
  sqliteMaxSizeMb: number | null;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}; got "${raw}".`);
  }
  return value;
}

/** `WEIR_SMTP_URL` checked for its scheme; the error never repeats the URL, which holds a password. */
function smtpUrl(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    throw new ConfigError('WEIR_SMTP_URL must be a URL such as smtp://user:password@host:587.');
  }
  if (protocol !== 'smtp:' && protocol !== 'smtps:') {
    throw new ConfigError(`WEIR_SMTP_URL must start with smtp:// or smtps:// (got ${protocol}//).`);
  }
  return raw;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(`${name} must be true or false; got "${raw}".`);
}

/** `WEIR_TRUST_PROXY`: true/false, a hop count, or comma-separated addresses and CIDRs. */
function trustProxy(raw: string | undefined): boolean | number | string[] {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0 || entries.some((entry) => !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(entry))) {
    throw new ConfigError(
      `WEIR_TRUST_PROXY must be true, false, a number of hops, or comma-separated addresses/CIDRs; got "${raw}".`,
    );
  }
  return entries;
}

/** `WEIR_CALLOUT_ALLOW` split and checked; the error names the bad entry. */
function calloutAllow(raw: string | undefined): string[] {
  const entries = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  try {
    new EgressPolicy(entries);
  } catch (error) {
    if (error instanceof EgressAllowlistError) throw new ConfigError(`WEIR_CALLOUT_ALLOW: ${error.message}`);
    throw error;
  }
  return entries;
}

/** Reads the configuration; `overrides` (from CLI flags) win over the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<WeirConfig> = {}): WeirConfig {
  const dataDir = overrides.dataDir ?? env.WEIR_DATA_DIR ?? './weir-data';
  const clientId = env.WEIR_BOOTSTRAP_CLIENT_ID;
  const clientSecret = env.WEIR_BOOTSTRAP_CLIENT_SECRET;
  if ((clientId && !clientSecret) || (!clientId && clientSecret)) {
    throw new ConfigError('WEIR_BOOTSTRAP_CLIENT_ID and WEIR_BOOTSTRAP_CLIENT_SECRET must be set together.');
  }
  if (clientSecret !== undefined && clientSecret.length < 16) {
    throw new ConfigError('WEIR_BOOTSTRAP_CLIENT_SECRET must be at least 16 characters.');
  }
  const nodeHeartbeatSeconds =
    overrides.nodeHeartbeatSeconds ?? integer(env, 'WEIR_NODE_HEARTBEAT_SECONDS', 5, 1, 3600);
  const nodeTimeoutSeconds = overrides.nodeTimeoutSeconds ?? integer(env, 'WEIR_NODE_TIMEOUT_SECONDS', 30, 2, 86400);
  if (nodeTimeoutSeconds < 2 * nodeHeartbeatSeconds) {
    // One late heartbeat must not get a live node declared gone.
    throw new ConfigError(
      `WEIR_NODE_TIMEOUT_SECONDS (${nodeTimeoutSeconds}) must be at least twice WEIR_NODE_HEARTBEAT_SECONDS (${nodeHeartbeatSeconds}).`,
    );
  }
  const config: WeirConfig = {
    port: overrides.port ?? integer(env, 'WEIR_PORT', 8080, 0, 65535),
    host: overrides.host ?? env.WEIR_HOST ?? '127.0.0.1',
    dataDir,
    databaseUrl: overrides.databaseUrl ?? env.WEIR_DATABASE_URL ?? `sqlite:${path.join(dataDir, 'weir.db')}`,
    secretKey: overrides.secretKey ?? env.WEIR_SECRET_KEY ?? null,
    syncTimeoutSeconds: overrides.syncTimeoutSeconds ?? integer(env, 'WEIR_SYNC_TIMEOUT_SECONDS', 110, 1, 3600),
    syncConcurrency: overrides.syncConcurrency ?? integer(env, 'WEIR_SYNC_CONCURRENCY', 64, 1, 100000),
    workerConcurrency: overrides.workerConcurrency ?? integer(env, 'WEIR_WORKER_CONCURRENCY', 32, 0, 10000),
    leaseSeconds: overrides.leaseSeconds ?? integer(env, 'WEIR_LEASE_SECONDS', 60, 5, 86400),
    leaseSweepSeconds: overrides.leaseSweepSeconds ?? integer(env, 'WEIR_LEASE_SWEEP_SECONDS', 10, 1, 3600),
    nodeHeartbeatSeconds,
    nodeTimeoutSeconds,
    pgPoolSize: overrides.pgPoolSize ?? integer(env, 'WEIR_PG_POOL_SIZE', 10, 1, 1000),
    bootstrapClient: overrides.bootstrapClient ?? (clientId && clientSecret ? { clientId, clientSecret } : null),
    publicUrl: overrides.publicUrl ?? env.WEIR_PUBLIC_URL ?? null,
    logLevel: overrides.logLevel ?? env.WEIR_LOG_LEVEL ?? 'info',
    smtpUrl: overrides.smtpUrl ?? smtpUrl(env.WEIR_SMTP_URL),
    smtpFrom: overrides.smtpFrom ?? (env.WEIR_SMTP_FROM || null),
    metricsPublic: overrides.metricsPublic ?? boolean(env, 'WEIR_METRICS_PUBLIC', false),
    calloutAllow: overrides.calloutAllow ?? calloutAllow(env.WEIR_CALLOUT_ALLOW),
    calloutMaxRedirects: overrides.calloutMaxRedirects ?? integer(env, 'WEIR_CALLOUT_MAX_REDIRECTS', 5, 0, 20),
    otelEnabled: overrides.otelEnabled ?? boolean(env, 'WEIR_OTEL_ENABLED', false),
    otelServiceName: overrides.otelServiceName ?? (env.OTEL_SERVICE_NAME || 'weir'),
    shutdownGraceSeconds: overrides.shutdownGraceSeconds ?? integer(env, 'WEIR_SHUTDOWN_GRACE_SECONDS', 30, 0, 3600),
    headersTimeoutSeconds: overrides.headersTimeoutSeconds ?? integer(env, 'WEIR_HEADERS_TIMEOUT_SECONDS', 10, 1, 600),
    requestTimeoutSeconds: overrides.requestTimeoutSeconds ?? integer(env, 'WEIR_REQUEST_TIMEOUT_SECONDS', 30, 1, 3600),
    trustProxy: overrides.trustProxy ?? trustProxy(env.WEIR_TRUST_PROXY),
    tokenRateLimitPerIp:
      overrides.tokenRateLimitPerIp ?? integer(env, 'WEIR_TOKEN_RATE_LIMIT_PER_IP', 300, 0, 1_000_000),
    tokenRateLimitPerClient:
      overrides.tokenRateLimitPerClient ?? integer(env, 'WEIR_TOKEN_RATE_LIMIT_PER_CLIENT', 60, 0, 1_000_000),
    triggerRateLimitPerIp:
      overrides.triggerRateLimitPerIp ?? integer(env, 'WEIR_TRIGGER_RATE_LIMIT_PER_IP', 0, 0, 100_000_000),
    triggerRateLimitPerWorkflow:
      overrides.triggerRateLimitPerWorkflow ?? integer(env, 'WEIR_TRIGGER_RATE_LIMIT_PER_WORKFLOW', 0, 0, 100_000_000),
    sqliteBusySeconds: overrides.sqliteBusySeconds ?? integer(env, 'WEIR_SQLITE_BUSY_SECONDS', 5, 0, 600),
    sqliteMaxSizeMb:
      overrides.sqliteMaxSizeMb !== undefined
        ? overrides.sqliteMaxSizeMb
        : env.WEIR_SQLITE_MAX_SIZE_MB
          ? integer(env, 'WEIR_SQLITE_MAX_SIZE_MB', 0, 1, 16_000_000)
          : null,
  };
  if (config.headersTimeoutSeconds > config.requestTimeoutSeconds) {
    throw new ConfigError('WEIR_HEADERS_TIMEOUT_SECONDS must not exceed WEIR_REQUEST_TIMEOUT_SECONDS.');
  }
  return config;
}
