import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ROW_TYPES } from '../../src/store/postgres/database.js';
import { createPostgresDatabase } from './postgres.js';
import type { ApiClient } from './setup-workflow.js';
import { startWeirProcess, type WeirProcess } from './weir-process.js';

/** Settings that make a cluster react in seconds: heartbeats every second, gone after 3, swept every second. */
export const FAST_NODE_SETTINGS = {
  WEIR_NODE_HEARTBEAT_SECONDS: '1',
  WEIR_NODE_TIMEOUT_SECONDS: '3',
  WEIR_LEASE_SWEEP_SECONDS: '1',
  WEIR_PG_POOL_SIZE: '4',
} as const;

/** One `weir serve` of a cluster, with an admin API client. */
export interface ClusterNode extends WeirProcess {
  api: ApiClient;
  /** The node id it answers `/health` with. */
  nodeId: string;
}

/** Several `weir serve` processes on one fresh PostgreSQL database, with the same secret key. */
export interface Cluster {
  nodes: ClusterNode[];
  /** The database, for rows the API does not show. */
  sql: pg.Pool;
  databaseUrl: string;
  /** Starts one more node. */
  addNode(env?: Record<string, string>): Promise<ClusterNode>;
  close(): Promise<void>;
}

/** Starts `env.length` nodes (each with its own settings on top of `FAST_NODE_SETTINGS`), in parallel. */
export async function startCluster(env: Array<Record<string, string>>): Promise<Cluster> {
  const database = await createPostgresDatabase();
  const dirs: string[] = [];
  const started: ClusterNode[] = [];
  const sql = new pg.Pool({ connectionString: database.url, max: 2, types: ROW_TYPES });
  const addNode = async (extra: Record<string, string> = {}): Promise<ClusterNode> => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'weir-cluster-'));
    dirs.push(dataDir);
    const weir = await startWeirProcess({
      dataDir,
      databaseUrl: database.url,
      env: { ...FAST_NODE_SETTINGS, ...extra },
    });
    const health = await fetch(`${weir.url}/health`).then((response) => response.json() as Promise<{ node: string }>);
    const node: ClusterNode = Object.assign(weir, { api: await weir.client(), nodeId: health.node });
    started.push(node);
    return node;
  };
  const close = async (): Promise<void> => {
    await Promise.all(started.map((node) => node.kill()));
    await sql.end();
    await database.drop();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  };
  let nodes: ClusterNode[];
  try {
    // The first node migrates the database; the others then start together.
    const first = await addNode(env[0]);
    nodes = [first, ...(await Promise.all(env.slice(1).map((settings) => addNode(settings))))];
  } catch (error) {
    await close();
    throw error;
  }
  return { nodes, sql, databaseUrl: database.url, addNode, close };
}
