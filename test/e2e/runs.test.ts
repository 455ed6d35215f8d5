import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeedsChromium, openUi, signIn, type UiSession } from '../helpers/browser.js';
import { startCalloutTarget, type CalloutTarget } from '../helpers/callout-target.js';
import { waitForRun } from '../helpers/runs.js';
import { must, setupWorkflow } from '../helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from '../helpers/start-weir.js';
import { delayWorkflow, failingCalloutWorkflow } from '../helpers/workflows.js';

/** A run that failed, seen and repaired in the browser; a run that waits, stopped from it. */
describeNeedsChromium('web UI: why a run failed, rerun, stop', () => {
  let weir: TestWeir;
  let target: CalloutTarget;
  let ui: UiSession;

  beforeAll(async () => {
    weir = await startTestWeir();
    target = await startCalloutTarget();
    ui = await openUi(weir.url);
    await ui.open();
    await signIn(ui);
  });

  afterAll(async () => {
    await ui?.close();
    await weir?.close();
    await target?.close();
  });

  it('shows the failed task instance with its error and Data, and a rerun repairs the run', async () => {
    // The target fails the first call and answers the next ones.
    target.on('/flaky', (_request, index) =>
      index === 0 ? { status: 500, body: { message: 'down for a moment' } } : { body: { ok: true } },
    );
    const workflow = await setupWorkflow(
      weir,
      failingCalloutWorkflow({ url: target.url('/flaky'), hasFailureBranch: false }),
    );
    const started = await workflow.run({ json: {} });
    expect(started.status, started.text).toBe(200);
    const failed = await waitForRun(weir, started.body.id);
    expect(failed).toMatchObject({ status: 'Finished', result: 'Error' });

    const { page } = ui;
    await ui.open(`#/runs/${failed.id}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(failed.name) }).waitFor();
    const node = page.locator('.react-flow__node').filter({ hasText: 'Call a failing target' });
    await expect.poll(() => node.textContent()).toContain('Error');
    expect(await node.locator('.task-node').getAttribute('class')).toContain('tone-error');

    // The failed task instance: why it failed, and the Data it had.
    await page.getByRole('button', { name: /^Call a failing target, Error/ }).click();
    const panel = page.getByRole('complementary', { name: 'Task instance' });
    const error = panel.getByRole('region', { name: 'Error' });
    await expect.poll(() => error.textContent()).toContain('WorkflowError::Callout');
    expect(await error.textContent()).toContain('500');
    expect(await panel.getByLabel('Input Data of Call a failing target', { exact: true }).textContent()).toContain(
      '"ExecutionDate"',
    );
    await ui.screenshot('run-failed-task');

    // Rerun it: the new instance succeeds and the run is repaired.
    await panel.getByRole('button', { name: 'Rerun this task' }).click();
    await expect
      .poll(() => panel.getByRole('heading', { level: 2 }).textContent(), { timeout: 15_000 })
      .toContain('Success');
    await expect.poll(() => node.textContent(), { timeout: 15_000 }).toContain('Success');
    expect(target.requestsTo('/flaky')).toHaveLength(2);
    const repaired = await waitForRun(weir, failed.id, {
      until: (run) => run.status === 'Finished' && run.result === 'Success',
    });
    expect(repaired.tasks.error).toBe(0);
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 10_000 })
      .toContain('Success');
    // The failed instance says what replaced it.
    await page.getByRole('button', { name: /^Call a failing target, Error/ }).click();
    await expect.poll(() => panel.textContent()).toContain('Rerun as');
    expect(await panel.getByRole('button', { name: 'Rerun this task' }).count()).toBe(0);
    await ui.screenshot('run-repaired');
    ui.expectNoErrors();
  }, 90_000);

  it('says plainly when this Weir has no task-instance or rerun endpoint', async () => {
    const workflow = await setupWorkflow(
      weir,
      failingCalloutWorkflow({ url: target.url('/down'), hasFailureBranch: false }),
    );
    target.on('/down', { status: 503 });
    const started = await workflow.run({ json: {} });
    const failed = await waitForRun(weir, started.body.id);
    const { page } = ui;
    // An older Weir: the routes answer as Weir answers a path it does not have.
    const missing = (path: string) => ({
      status: 404,
      contentType: 'application/json',
      body: JSON.stringify({ errors: [{ status: 404, code: 'not_found', title: `Nothing is at ${path}.` }] }),
    });
    await page.route(/\/workflows\/tasks\?/, (route) => route.fulfill(missing('GET /workflows/tasks')));
    try {
      await ui.open(`#/runs/${failed.id}`);
      const notice = page.getByRole('status').filter({ hasText: 'not available on this Weir yet' });
      await expect.poll(() => notice.textContent()).toContain('Task instances: not available on this Weir yet.');
      expect(await notice.textContent()).toContain('GET /workflows/tasks?workflow_id=&instance=true');
      // The run itself and its graph (the current version, said so) still show.
      await page.getByText('Showing the workflow’s current version; this run may have used another.').waitFor();
      await page.locator('.react-flow__node').filter({ hasText: 'Call a failing target' }).waitFor();
      await ui.screenshot('run-without-task-endpoint');
    } finally {
      await page.unroute(/\/workflows\/tasks\?/);
    }

    await page.route(/\/workflows\/tasks\/\d+\/rerun$/, (route) =>
      route.fulfill(missing('POST /workflows/tasks/1/rerun')),
    );
    try {
      await ui.open('#/');
      await ui.open(`#/runs/${failed.id}`);
      await page.getByRole('button', { name: /^Call a failing target, Error/ }).click();
      await page.getByRole('button', { name: 'Rerun this task' }).click();
      const notice = page.getByRole('status').filter({ hasText: 'not available on this Weir yet' });
      await expect.poll(() => notice.textContent()).toContain('Rerunning a task: not available on this Weir yet.');
    } finally {
      await page.unroute(/\/workflows\/tasks\/\d+\/rerun$/);
    }
    ui.expectNoErrors([
      { method: 'GET', path: /^\/workflows\/tasks$/, status: 404 },
      { method: 'POST', path: /^\/workflows\/tasks\/\d+\/rerun$/, status: 404 },
    ]);
  }, 90_000);

  it('lists runs by status while they move, and stops a waiting run', async () => {
    const workflow = await setupWorkflow(weir, delayWorkflow({ seconds: 600 }));
    const started = await workflow.run({ json: {} });
    expect(started.status, started.text).toBe(200);
    const runId = started.body.id as number;
    await waitForRun(weir, runId, { until: (run) => run.status === 'Pending', what: 'waiting on its delay' });

    const { page } = ui;
    await ui.open(`#/workflows/${workflow.id}/runs`);
    const rows = page.locator('table tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Pending');
    await page.getByText('Updating while runs move').waitFor();
    await page.getByRole('combobox', { name: 'Status', exact: true }).selectOption('Finished');
    await page.getByText('No Finished runs.').waitFor();
    await page.getByRole('combobox', { name: 'Status', exact: true }).selectOption('Pending');
    await expect.poll(() => rows.count()).toBe(1);

    await rows.first().getByRole('link').click();
    const stop = page.getByRole('button', { name: 'Stop run' });
    await stop.click();
    await expect.poll(() => page.locator('.summary').first().textContent(), { timeout: 15_000 }).toContain('Stopped');
    expect(await stop.count()).toBe(0);
    const stopped = must(await weir.api('GET', `/workflows/workflow_runs/${runId}`), 200, 'GET run');
    expect(stopped.status).toBe('Stopped');
    await ui.screenshot('run-stopped');

    // Back on the list, the row moved on by itself.
    await page.getByRole('link', { name: workflow.workflow.name }).click();
    await page.getByRole('combobox', { name: 'Status', exact: true }).selectOption('');
    await expect.poll(() => rows.first().textContent()).toContain('Stopped');
    ui.expectNoErrors();
  }, 90_000);
});
