import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { describeNeedsChromium, openUi, SCREENSHOT_DIR, signIn, type UiSession } from '../helpers/browser.js';
import { startCalloutTarget, type CalloutTarget } from '../helpers/callout-target.js';
import { waitForRun } from '../helpers/runs.js';
import { setupWorkflow } from '../helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from '../helpers/start-weir.js';
import {
  failingCalloutWorkflow,
  link,
  responseFormatterWorkflow,
  start,
  task,
  workflowDocument,
} from '../helpers/workflows.js';

/**
 * Every screen, in the light and the dark scheme, at 1366 px wide (the issue's laptop width), for a person
 * to look at (WEIR_UI_SHOTS, default test-results/e2e/screens): empty states, long names, a failed run, the
 * task panels of issue 13 (rerun with edited Data, a task test, the secret picker). Each screen must render
 * without console errors or failed requests in both schemes.
 */
const SHOTS = process.env.WEIR_UI_SHOTS ?? path.join(SCREENSHOT_DIR, 'screens');

describeNeedsChromium('web UI: every screen, light and dark', () => {
  let weir: TestWeir;
  let target: CalloutTarget;
  let ui: UiSession;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    weir = await startTestWeir();
    target = await startCalloutTarget();
    ui = await openUi(weir.url);
    await ui.page.setViewportSize({ width: 1366, height: 900 });
  });

  afterAll(async () => {
    await ui?.close();
    await weir?.close();
    await target?.close();
  });

  it('renders each screen in both schemes', async () => {
    const { page } = ui;
    const shoot = async (name: string, ready: () => Promise<unknown>) => {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await ready();
        await page.evaluate('window.scrollTo(0, 0)');
        await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
      }
    };
    await ui.open();
    await shoot('sign-in', () => page.getByRole('button', { name: 'Sign in' }).waitFor());
    await signIn(ui);
    await shoot('workflows-empty', () => page.getByRole('heading', { name: 'Start from an example' }).waitFor());

    target.on('/down', { status: 500, body: { message: 'down' } });
    const failing = await setupWorkflow(
      weir,
      failingCalloutWorkflow({ url: target.url('/down'), hasFailureBranch: false }),
    );
    const echo = await setupWorkflow(
      weir,
      responseFormatterWorkflow({
        template: '{"ok": true}',
        liquidCode: '{% assign a = 1 %}',
        fields: [
          {
            callout_id: 'Customer',
            object_name: 'Workflow',
            field_name: 'Customer',
            datatype: 'Text',
            required: false,
          },
        ],
      }),
    );
    await echo.sync({ json: { Customer: 'Acme' } });
    target.on('/charge', { body: { charged: true } });
    const long = await setupWorkflow(
      weir,
      workflowDocument({
        name: 'Quarterly reconciliation of customer invoices against the payment provider settlements (EMEA)',
        tasks: [
          task.callout(1, 'Charge the customer with the amount that is due for the quarter, in their currency', {
            url: target.url('/charge'),
            headers: [
              { key: 'Content-Type', value: 'application/json' },
              { key: 'X-Api-Key', value: 'k-screens-123' },
            ],
          }),
          task.liquid(
            2,
            'Note the settlement reference and the provider’s fee for the reconciliation report',
            '{% assign n = 1 %}',
          ),
        ],
        linkages: [start(1), link(1, 2)],
      }),
    );
    const failed = await failing.run({ json: {} });
    await waitForRun(weir, failed.body.id as number);

    // (The list is already open at #/: the Runs page first, so going back reads the list again.)
    await ui.open('#/runs?result=Error&from=2099-01-01');
    await shoot('runs-empty', () => page.getByText('No run matches these filters.').waitFor());
    await ui.open('#/runs');
    await shoot('runs', () => page.locator('table tbody tr').first().waitFor());
    await ui.open('#/');
    await shoot('workflows', () => page.locator('.failure-summary').waitFor());
    await ui.open('#/constants');
    await shoot('global-constants', () => page.getByRole('heading', { level: 1, name: 'Global constants' }).waitFor());
    await ui.open(`#/runs/${failed.body.id}`);
    await page.getByRole('button', { name: /^Call a failing target, Error/ }).click();
    await shoot('run-failed', () => page.getByRole('region', { name: 'HTTP exchange' }).waitFor());
    await page.getByRole('button', { name: 'Edit Data first…' }).click();
    await shoot('run-rerun-edit', () => page.getByRole('region', { name: 'Rerun with edited Data' }).waitFor());
    await page.getByRole('button', { name: 'Cancel' }).click();
    for (const tab of ['overview', 'run', 'runs', 'settings', 'versions', 'editor']) {
      await ui.open(`#/workflows/${echo.id}${tab === 'overview' ? '' : `/${tab}`}`);
      await shoot(`workflow-${tab}`, () => page.locator('.tab-panel').waitFor());
      await page.waitForTimeout(300);
    }
    // A workflow with a long name, long task names and no run yet: truncation and empty states.
    await ui.open(`#/workflows/${long.id}`);
    await shoot('workflow-long-names', () => page.locator('.tab-panel').waitFor());
    await ui.open(`#/workflows/${long.id}/runs`);
    await shoot('workflow-runs-empty', () => page.locator('.tab-panel').waitFor());
    await ui.open(`#/workflows/${long.id}/editor`);
    await page.locator('.react-flow__node').filter({ hasText: 'Charge the customer' }).first().click();
    await shoot('editor-callout-secrets', () => page.getByText('A secret is stored with this task.').first().waitFor());
    await page.getByRole('button', { name: 'Test this task…' }).click();
    await page.getByLabel(/^I understand/).check();
    await page.getByRole('button', { name: 'Send and test' }).click();
    await page.getByRole('region', { name: 'Test result' }).waitFor();
    await shoot('editor-task-test', () => page.getByRole('region', { name: 'Test result' }).waitFor());
    page.once('dialog', (dialog) => void dialog.accept());
    await page.emulateMedia({ colorScheme: 'light' });
    ui.expectNoErrors();
  }, 180_000);
});
