import type { WeirConfig } from '../config.js';
import type { Engine } from '../engine/engine.js';
import type { OAuthClients } from '../management/oauth-clients.js';
import type { RunRequests } from '../management/run-requests.js';
import type { VersionCatalog } from '../management/version-catalog.js';
import type { WorkflowCatalog } from '../management/workflow-catalog.js';
import type { WeirMetrics } from '../observability/metrics.js';
import type { Store } from '../store/store.js';

/** What the routes use. Built once by `startWeir`. */
export interface ApiContext {
  config: WeirConfig;
  store: Store;
  engine: Engine;
  catalog: WorkflowCatalog;
  versionCatalog: VersionCatalog;
  clients: OAuthClients;
  runRequests: RunRequests;
  now: () => number;
  /** Prometheus metrics, served by `GET /metrics`. */
  metrics: WeirMetrics;
}
