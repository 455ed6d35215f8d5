import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDocument } from '../src/model/workflow-document.js';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import { cliAgainst, jsonOf, runCli } from './helpers/cli.js';
import { getRun, waitForRun } from './helpers/runs.js';
import { must, setupWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { delayWorkflow, failingCalloutWorkflow } from './helpers/workflows.js';

const HELLO = fileURLToPath(new URL('../examples/hello.json', import.meta.url));
const APPROVAL_GATE = fileURLToPath(new URL('../examples/approval-gate.json', import.meta.url));

async function exampleDocument(file: string): Promise<WorkflowDocument> {
  return JSON.parse(await readFile(file, 'utf8')) as WorkflowDocument;
}

/** `weir run`, `weir runs ...`, `weir tasks rerun`, `weir approvals ...` against a real Weir. */
// Each step is a `weir` child process (1-3 s each on a loaded machine), hence the longer timeout.
describe('CLI: runs, reruns and approvals', { timeout: 180_000 }, () => {
  let weir: TestWeir;
  let target: CalloutTarget;
  let cli: ReturnType<typeof cliAgainst>;

  beforeAll(async () => {
    weir = await startTestWeir();
    target = await startCalloutTarget();
    cli = cliAgainst(weir.url, weir.token);
  });

  afterAll(async () => {
    await weir?.close();
    await target?.close();
  });

  it('runs a workflow with --input and --wait, showing progress, and exits 0 when it succeeds', async () => {
    const hello = await setupWorkflow(weir, await exampleDocument(HELLO));
    const result = await cli(['run', String(hello.id), '--input', 'name=Ada', '--wait']);
    expect(result.code, result.stderr).toBe(0);
    const match = /^Run (\d+) \(WF-\d+-\d{8}\) Finished with result Success: 1 task, 0 failed, [\d.]+ s\.\n$/.exec(
      result.stdout,
    );
    expect(match, result.stdout).not.toBeNull();
    const runId = Number(match?.[1]);
    expect(result.stderr).toContain(`Run ${runId} (`);
    expect(result.stderr).toContain(`run ${runId} Finished, 1/1 tasks done\n`);
    const run = await getRun(weir, runId);
    expect(run).toMatchObject({ originalWorkflowId: hello.id, status: 'Finished', result: 'Success' });
    const tasks = must(await weir.api('GET', `/workflows/tasks?workflow_id=${runId}`), 200, 'tasks');
    expect(tasks.data[0].data.Workflow.name).toBe('Ada');

    // Without --wait: the queued run, as text and as the API's JSON.
    const queued = await cli(['run', String(hello.id), '-i', 'name=Bo', '--json']);
    expect(queued.code, queued.stderr).toBe(0);
    expect(jsonOf(queued)).toMatchObject({
      originalWorkflowId: hello.id,
      type: 'Workflow::Instance',
      status: 'Queued',
    });

    // Responsive: the workflow's own answer.
    const sync = await cli(['run', String(hello.id), '--sync', '--input', 'name=Ada']);
    expect(sync, sync.stderr).toMatchObject({ code: 0, stdout: '{\n  "greeting": "Hello, Ada!"\n}\n' });

    // A required input missing: the server's 406, refused (3).
    const missing = await cli(['run', String(hello.id)]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^weir: POST \/workflows\/\d+\/run: 406 Required field .*'name'/);
    const badInput = await cli(['run', String(hello.id), '--input', 'nameAda']);
    expect(badInput.code).toBe(2);
    expect(badInput.stderr).toContain('"nameAda" is not name=value.');
  });

  it('exits 1 when the run fails, shows its failed task, reruns it, and watches the run repaired', async () => {
    target.on('/flaky', (_request, index) =>
      index === 0 ? { status: 500, body: { down: true } } : { body: { ok: true } },
    );
    const flaky = await setupWorkflow(
      weir,
      failingCalloutWorkflow({ url: target.url('/flaky'), hasFailureBranch: false }),
    );
    const failed = await cli(['run', String(flaky.id), '--wait', '--json']);
    expect(failed.code, failed.stderr).toBe(1);
    const run = jsonOf(failed);
    expect(run).toMatchObject({ status: 'Finished', result: 'Error', tasks: { total: 1, error: 1 } });
    expect(failed.stderr).toContain(`run ${run.id} Finished, 1/1 tasks done, 1 failed\n`);

    // Responsive: a task failed unhandled (403) is a failed run too.
    target.on('/down', { status: 503, body: { down: true } });
    const down = await setupWorkflow(
      weir,
      failingCalloutWorkflow({ url: target.url('/down'), hasFailureBranch: false }),
    );
    const syncFailed = await cli(['run', String(down.id), '--sync']);
    expect(syncFailed.code, syncFailed.stderr).toBe(1);
    expect(syncFailed.stdout).toMatch(/^Run \d+ failed: WorkflowError::Callout: /);

    const shown = await cli(['runs', 'show', String(run.id), '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const detail = jsonOf(shown);
    expect(detail.run).toEqual(await getRun(weir, run.id));
    expect(detail.task_instances).toHaveLength(1);
    const failedTask = detail.task_instances[0];
    expect(failedTask).toMatchObject({ name: 'Call a failing target', action_type: 'Callout', status: 'Error' });
    const shownText = await cli(['runs', 'show', String(run.id)]);
    expect(shownText.stdout).toMatch(new RegExp(`^Run ${run.id} \\(${run.name}\\) Finished with result Error: `));
    expect(shownText.stdout).toMatch(
      new RegExp(`^${failedTask.id}\\s+Call a failing target\\s+Callout\\s+Error\\s+\\S`, 'm'),
    );

    // --data: a file that is no object is refused before anything is sent; an object is the rerun's Data.
    const dir = await mkdtemp(path.join(tmpdir(), 'weir-cli-data-'));
    const notObject = path.join(dir, 'list.json');
    await writeFile(notObject, '[1, 2]');
    const refused = await cli(['tasks', 'rerun', String(failedTask.id), '--data', notObject]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('must hold a JSON object');
    const dataFile = path.join(dir, 'data.json');
    await writeFile(dataFile, JSON.stringify({ ...failedTask.data, Note: 'from the CLI' }));
    const rerun = await cli(['tasks', 'rerun', String(failedTask.id), '--data', dataFile]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const rerunMatch = new RegExp(
      `^Task ${failedTask.id} rerun as task (\\d+) \\(\\w+\\) in run ${run.id}\\.\\n$`,
    ).exec(rerun.stdout);
    expect(rerunMatch, rerun.stdout).not.toBeNull();
    const rerunInstance = must(await weir.api('GET', `/workflows/tasks/${rerunMatch?.[1]}`), 200, 'rerun');
    expect(rerunInstance.data).toMatchObject({ Note: 'from the CLI' });
    expect(rerunInstance.log).toMatch(/^Rerun of task \d+ with input Data edited by client "[^"]+" \(added Note\)\.\n/);
    const watched = await cli(['runs', 'watch', String(run.id)]);
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(
      new RegExp(`^Run ${run.id} \\(${run.name}\\) Finished with result Success: 1 task, 0 failed, `),
    );

    const again = await cli(['tasks', 'rerun', String(failedTask.id)]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain(`was already rerun as task ${rerunMatch?.[1]}`);
  });

  it('lists runs by workflow and status, stops a waiting run and watch exits 1 on it', async () => {
    const waiting = await setupWorkflow(weir, delayWorkflow({ seconds: 600 }));
    const started = await cli(['run', String(waiting.id)]);
    expect(started.code, started.stderr).toBe(0);
    const runId = Number(/^Run (\d+) \(WF-\d+-\d{8}\) (Queued|Processing)\.\n$/.exec(started.stdout)?.[1]);
    expect(runId, started.stdout).toBeGreaterThan(0);
    await waitForRun(weir, runId, { until: (run) => run.status === 'Pending' });
    // Responsive mode cannot wait on a Delay: 211, queued in standard mode; without --wait, a hint.
    const queuedSync = await cli(['run', String(waiting.id), '--sync']);
    expect(queuedSync.code, queuedSync.stderr).toBe(0);
    const syncRunId = Number(/^Run (\d+) holds a task that cannot run responsively/.exec(queuedSync.stderr)?.[1]);
    expect(queuedSync.stderr).toContain(`Follow it with: weir runs watch ${syncRunId}\n`);
    must(await weir.api('PUT', `/workflows/workflow_runs/${syncRunId}/stop`), 200, 'stop the responsive run');

    const pending = await cli(['runs', 'list', '--workflow', String(waiting.id), '--status', 'Pending', '--json']);
    expect(pending.code, pending.stderr).toBe(0);
    expect(jsonOf(pending).data.map((r: { id: number }) => r.id)).toEqual([runId]);
    const none = await cli(['runs', 'list', '--workflow', String(waiting.id), '--status', 'Finished']);
    expect(none).toMatchObject({ code: 0, stdout: 'No runs.\n' });
    const table = await cli(['runs', 'list', '--workflow', String(waiting.id)]);
    expect(table.stdout).toMatch(
      new RegExp(`^${runId}\\s+WF-${waiting.id}-\\d{8}\\s+${waiting.id}\\s+Pending\\s+-\\s+standard\\s+\\d{4}-`, 'm'),
    );

    const stopped = await cli(['runs', 'stop', String(runId)]);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toMatch(new RegExp(`^Run ${runId} is (Stopping|Stopped)\\.\\n$`));
    const watched = await cli(['runs', 'watch', String(runId)]);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(new RegExp(`^Run ${runId} \\(WF-${waiting.id}-\\d{8}\\) Stopped: `));

    const unknown = await cli(['runs', 'show', '999999']);
    expect(unknown).toMatchObject({
      code: 3,
      stderr: 'weir: GET /workflows/workflow_runs/999999: 404 Workflow run 999999 does not exist.\n',
    });
  });

  it('approves a waiting Approval with a comment, and refuses to reject one that is no longer waiting', async () => {
    const gate = await setupWorkflow(weir, await exampleDocument(APPROVAL_GATE), {
      triggers: { callout_trigger: true, sync_trigger: false },
    });
    const started = must(await weir.api('POST', `/workflows/${gate.id}/run`, {}), 200, 'run');
    await waitForRun(weir, started.id, { until: (run) => run.tasks.pending === 1 });
    const tasks = must(
      await weir.api('GET', `/workflows/tasks?workflow_id=${started.id}&status=Pending`),
      200,
      'tasks',
    );
    const approval = tasks.data[0];
    expect(approval.action_type).toBe('Approval');

    const approved = await cli(['approvals', 'approve', String(approval.id), '--comment', 'fine by me']);
    expect(approved, approved.stderr).toMatchObject({
      code: 0,
      stdout: `Task ${approval.id} approved; the run goes on from its Approve hook.\n`,
    });
    const finished = await waitForRun(weir, started.id);
    expect(finished).toMatchObject({ status: 'Finished', result: 'Success' });
    const after = must(await weir.api('GET', `/workflows/tasks?workflow_id=${started.id}`), 200, 'tasks');
    const approvedBranch = after.data.find((t: { name: string }) => t.name === 'Approved');
    expect(approvedBranch.data_out.Liquid).toMatchObject({ decision: 'approved', comment: 'fine by me' });

    const late = await cli(['approvals', 'reject', String(approval.id), '--json']);
    expect(late).toMatchObject({
      code: 3,
      stderr: `weir: POST /workflows/tasks/${approval.id}/reject: 400 Task ${approval.id} is not waiting for an approval.\n`,
    });
  });

  it('passes --result to the server and prints its 400 when the server refuses it', async () => {
    // A local server standing in for a Weir without the result filter: what the CLI sends is recorded.
    target.on('/workflows/workflow_runs', {
      status: 400,
      body: { errors: [{ status: 400, code: 'invalid', title: 'result is not a filter here.', field: 'result' }] },
    });
    const refused = await runCli(['runs', 'list', '--result', 'Error', '--status', 'Finished'], {
      env: { WEIR_URL: target.baseUrl, WEIR_TOKEN: 'token-for-the-stand-in' },
    });
    expect(refused).toMatchObject({
      code: 3,
      stderr: 'weir: GET /workflows/workflow_runs: 400 result is not a filter here. (field result)\n',
    });
    const [sent] = target.requestsTo('/workflows/workflow_runs');
    expect(new URLSearchParams(sent?.query)).toEqual(new URLSearchParams({ status: 'Finished', result: 'Error' }));
    expect(sent?.headers.authorization).toBe('Bearer token-for-the-stand-in');

    const wrong = await runCli(['runs', 'list', '--result', 'Maybe']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("option '--result <result>' argument 'Maybe' is invalid. Allowed: Success, Error.");
  });
});
