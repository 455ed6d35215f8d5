import type { WeirConfig } from '../config.js';
import type { Engine } from '../engine/engine.js';
import type { GlobalConstants } from '../management/global-constants.js';
import type { ImportIdempotency } from '../management/import-idempotency.js';
import type { OAuthClients } from '../management/oauth-clients.js';
import type { RunRequests } from '../management/run-requests.js';
import type { VersionCatalog } from '../management/version-catalog.js';
import type { WorkflowCatalog } from '../management/workflow-catalog.js';
import type { WeirMetrics } from '../observability/metrics.js';
import type { DrainGate } from './drain-gate.js';
import type { StoreHealth } from '../store/store-health.js';
import type { Store } from '../store/store.js';

/** What the routes use. Built once by `startWeir`. */
export interface ApiContext {
  config: WeirConfig;
  store: Store;
  /** The store's readiness (`/health`), fed by every storage failure a request or the engine meets. */
  storeHealth: StoreHealth;
  /** Shutdown's gate: 503 to new requests while draining, and the count of those in flight. */
  drain: DrainGate;
  engine: Engine;
  catalog: WorkflowCatalog;
  versionCatalog: VersionCatalog;
  clients: OAuthClients;
  runRequests: RunRequests;
  /** `Idempotency-Key` on the imports; optional so callers that build a context by hand need not. */
  importIdempotency?: ImportIdempotency;
  /** Global constants (issue 11); optional for the same reason. */
  globalConstants?: GlobalConstants;
  now: () => number;
  /** Prometheus metrics, served by `GET /metrics`. */
  metrics: WeirMetrics;
}
