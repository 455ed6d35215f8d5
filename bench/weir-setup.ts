import type { GrowthCases } from './growth.js';
import { log, makeDataDir } from './lifecycle.js';
import type { PreparedCase } from './measure.js';
import type { BenchSettings } from './settings.js';
import { startWeirServer, type StartedWeir } from './start-servers.js';
import {
  benchWorkflowDocument,
  EXPECTED_ANSWER,
  fetchAccessToken,
  importWorkflow,
  probeAnswer,
  probeStandardRun,
  REQUEST_BODY,
} from './weir-client.js';
import { chainCase, inputCase, type BenchCase } from './workflows.js';

/** The Weir under test, its workflows imported and each probed once. */
export interface PreparedWeir {
  weir: StartedWeir;
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
export async function prepareWeir(settings: BenchSettings, cpu: number | null): Promise<PreparedWeir> {
  const dataDir = makeDataDir(settings.tmpParent, 'weir-bench-', settings.keepData);
  log(`starting weir: ${settings.weirEntry} serve (data dir ${dataDir}) ...`);
  const weir = await startWeirServer({
    cpu,
    dataDir,
    timeoutMs: settings.startSeconds * 1000,
    entry: settings.weirEntry,
  });
  const token = await fetchAccessToken(weir.baseUrl, weir.clientId, weir.clientSecret);
  const prepare = async (key: string, name: string, bench: BenchCase): Promise<PreparedCase> => {
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
  };
  const oneTask = await prepare('sync', '(3) weir /sync, 1 task', {
    document: benchWorkflowDocument(),
    requestBody: REQUEST_BODY,
    expectedAnswer: EXPECTED_ANSWER,
  });
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
  return { weir, dataDir, token, oneTask, fiveTasks, probeRunId, growth };
}
