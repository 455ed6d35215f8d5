import type { GrowthCases } from './growth.js';
import { log, makeDataDir } from './lifecycle.js';
import type { PreparedCase } from './measure.js';
import type { BenchSettings } from './settings.js';
import { startWeirServer, type StartedWeir, type WeirLaunch } from './start-servers.js';
import {
  benchWorkflowDocument,
  EXPECTED_ANSWER,
  fetchAccessToken,
  importWorkflow,
  probeAnswer,
  probeStandardRun,
  REQUEST_BODY,
} from './weir-client.js';
import { createDatabase, POSTGRES_URL, postgresUnreachable } from './postgres-database.js';
import { chainCase, inputCase, type BenchCase } from './workflows.js';

/** The Weir under test, its workflows imported and each probed once. */
export interface PreparedWeir {
  weir: StartedWeir;
  /** How it was started: row (6)'s Weir is started the same way. */
  launch: WeirLaunch;
  dataDir: string;
  /** Bearer token of the bootstrap client. */
  token: string;
  /** Rows (3) and (5): the one-task workflow (`benchWorkflowDocument`). */
  oneTask: PreparedCase;
  /** Row (4): 4 Liquid tasks in a chain, then the response formatter. */
  fiveTasks: PreparedCase;
  /** The run the `/run` probe queued; checked after the drain. */
  probeRunId: string;
  /** BENCH_SCALE only: the workflows of the growth table. */
  growth: GrowthCases | null;
}

/**
 * Starts Weir on a fresh data dir, imports the workflows and checks each trigger once, so that a
 * broken server or workflow fails in seconds, before anything is measured.
 */
export async function prepareWeir(
  settings: BenchSettings,
  cpu: number | null,
  launch: WeirLaunch,
): Promise<PreparedWeir> {
  const dataDir = makeDataDir(settings.tmpParent, 'weir-bench-', settings.keepData);
  log(`starting weir: ${launch.entry} serve (data dir ${dataDir}) ...`);
  const weir = await startWeirServer({
    cpu,
    dataDir,
    timeoutMs: settings.startSeconds * 1000,
    ...launch,
  });
  const token = await fetchAccessToken(weir.baseUrl, weir.clientId, weir.clientSecret);
  const prepare = (key: string, name: string, bench: BenchCase) => prepareCase(weir, token, key, name, bench);
  const oneTask = await prepare('sync', '(3) weir /sync, 1 task', ONE_TASK);
  const fiveTasks = await prepare('sync5', '(4) weir /sync, 5 tasks', chainCase(5));
  const probeRunId = await probeStandardRun(oneTask.runUrl, {
    'content-type': 'application/json',
    'api-token': oneTask.apiToken,
  });
  let growth: GrowthCases | null = null;
  if (settings.isScale) {
    const small = inputCase(1024);
    const large = inputCase(100 * 1024);
    growth = {
      oneTask: await prepare('chain1', 'weir /sync, 1 task (input n declared)', chainCase(1)),
      twentyTasks: await prepare('chain20', 'weir /sync, 20 tasks', chainCase(20)),
      smallInput: { ...(await prepare('input1k', 'weir /sync, 1 KB JSON input', small)), bytes: small.bytes },
      largeInput: { ...(await prepare('input100k', 'weir /sync, 100 KB JSON input', large)), bytes: large.bytes },
    };
  }
  log(`weir ready: ${settings.isScale ? 6 : 2} workflows imported and probed`);
  return { weir, launch, dataDir, token, oneTask, fiveTasks, probeRunId, growth };
}

/** Rows (3), (5) and (6): the one-task workflow. */
const ONE_TASK: BenchCase = {
  document: benchWorkflowDocument(),
  requestBody: REQUEST_BODY,
  expectedAnswer: EXPECTED_ANSWER,
};

/** Imports a workflow into `weir`, switches its triggers on and checks its `/sync` answer once. */
async function prepareCase(
  weir: StartedWeir,
  token: string,
  key: string,
  name: string,
  bench: BenchCase,
): Promise<PreparedCase> {
  const workflow = await importWorkflow(weir.baseUrl, token, bench.document);
  const headers = { 'content-type': 'application/json', 'api-token': workflow.apiToken };
  const step = `probe POST /sync of ${bench.document.workflow.name}`;
  const answer = await probeAnswer(step, workflow.syncUrl, headers, {
    body: bench.requestBody,
    expectedAnswer: bench.expectedAnswer,
  });
  return {
    key,
    name,
    workflowId: workflow.id,
    apiToken: workflow.apiToken,
    syncUrl: workflow.syncUrl,
    runUrl: workflow.runUrl,
    requestBody: bench.requestBody,
    answer,
  };
}

/** Row (6): a second Weir, on a fresh PostgreSQL database, with the one-task workflow. */
export interface PreparedPostgresWeir {
  weir: StartedWeir;
  oneTask: PreparedCase;
  /** Drops the database (after the server stopped). */
  drop: () => Promise<void>;
}

/**
 * Starts Weir on a fresh database of the PostgreSQL at `BENCH_POSTGRES_URL` for row (6); a sentence
 * saying why instead when it cannot be reached (the row is then not measured).
 */
export async function preparePostgresWeir(
  settings: BenchSettings,
  cpu: number | null,
  launch: WeirLaunch,
): Promise<PreparedPostgresWeir | string> {
  const unreachable = await postgresUnreachable(POSTGRES_URL);
  if (unreachable !== null) return unreachable;
  const database = await createDatabase(POSTGRES_URL);
  try {
    const dataDir = makeDataDir(settings.tmpParent, 'weir-bench-pg-', settings.keepData);
    log(`starting weir on PostgreSQL (${database.url}) ...`);
    const weir = await startWeirServer({
      cpu,
      dataDir,
      databaseUrl: database.url,
      name: 'weir (postgres)',
      timeoutMs: settings.startSeconds * 1000,
      ...launch,
    });
    const token = await fetchAccessToken(weir.baseUrl, weir.clientId, weir.clientSecret);
    const oneTask = await prepareCase(weir, token, 'sync-pg', '(6) weir /sync, PostgreSQL', ONE_TASK);
    return { weir, oneTask, drop: database.drop };
  } catch (error) {
    await database.drop().catch(() => undefined);
    throw error;
  }
}
