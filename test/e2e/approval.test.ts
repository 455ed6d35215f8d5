import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WorkflowDocument } from '../../src/model/workflow-document.js';
import { describeNeedsChromium, openUi, signIn, type UiSession } from '../helpers/browser.js';
import { waitForRun } from '../helpers/runs.js';
import { setupWorkflow } from '../helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from '../helpers/start-weir.js';

const APPROVAL_GATE = fileURLToPath(new URL('../../examples/approval-gate.json', import.meta.url));

/** A run waiting on an Approval task, approved from the run page. */
describeNeedsChromium('web UI: approve a pending approval', () => {
  let weir: TestWeir;
  let ui: UiSession;

  beforeAll(async () => {
    weir = await startTestWeir();
    ui = await openUi(weir.url);
    await ui.open();
    await signIn(ui);
  });

  afterAll(async () => {
    await ui?.close();
    await weir?.close();
  });

  it('approves with a comment and the run finishes on the Approve branch', async () => {
    const document = JSON.parse(await readFile(APPROVAL_GATE, 'utf8')) as WorkflowDocument;
    const workflow = await setupWorkflow(weir, document, { triggers: { callout_trigger: true, sync_trigger: false } });
    const started = await workflow.run({ json: {} });
    expect(started.status, started.text).toBe(200);
    const waiting = await waitForRun(weir, started.body.id, { until: (run) => run.tasks.pending === 1 });

    const { page } = ui;
    await ui.open(`#/runs/${waiting.id}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(waiting.name) }).waitFor();
    await page.getByRole('button', { name: /^Manager approval, Pending/ }).click();
    const panel = page.getByRole('complementary', { name: 'Task instance' });
    const comment = panel.getByLabel('Comment (optional)');
    await comment.fill('Within budget');
    await ui.screenshot('run-approval-pending');
    await panel.getByRole('button', { name: 'Approve', exact: true }).click();

    const finished = await waitForRun(weir, waiting.id, {
      until: (run) => run.status === 'Finished',
    });
    expect(finished).toMatchObject({ status: 'Finished', result: 'Success' });
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 10_000 })
      .toContain('Success');
    const approved = page.locator('.react-flow__node').filter({ hasText: 'Approved' });
    await expect.poll(() => approved.textContent(), { timeout: 10_000 }).toContain('Success');
    expect(await panel.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);

    // The Approve branch's task instance received the comment.
    await page.getByRole('button', { name: /^Approved, Success/ }).click();
    await expect
      .poll(() => panel.getByLabel('Input Data of Approved', { exact: true }).textContent())
      .toContain('Within budget');
    await ui.screenshot('run-approved');
    ui.expectNoErrors();
  }, 60_000);
});
