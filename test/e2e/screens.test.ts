import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { openUi, SCREENSHOT_DIR, signIn, type UiSession } from '../helpers/browser.js';
import { startCalloutTarget, type CalloutTarget } from '../helpers/callout-target.js';
import { waitForRun } from '../helpers/runs.js';
import { setupWorkflow } from '../helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from '../helpers/start-weir.js';
import { failingCalloutWorkflow, responseFormatterWorkflow } from '../helpers/workflows.js';

/**
 * Every screen, in the light and the dark scheme, for a person to look at (WEIR_UI_SHOTS, default
 * test-results/e2e/screens). Each screen must render without console errors or failed requests in both.
 */
const SHOTS = process.env.WEIR_UI_SHOTS ?? path.join(SCREENSHOT_DIR, 'screens');

describe('web UI: every screen, light and dark', () => {
  let weir: TestWeir;
  let target: CalloutTarget;
  let ui: UiSession;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    weir = await startTestWeir();
    target = await startCalloutTarget();
    ui = await openUi(weir.url);
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
    const failed = await failing.run({ json: {} });
    await waitForRun(weir, failed.body.id as number);

    // (The list is already open at #/: the Runs page first, so going back reads the list again.)
    await ui.open('#/runs');
    await shoot('runs', () => page.locator('table tbody tr').first().waitFor());
    await ui.open('#/');
    await shoot('workflows', () => page.locator('.failure-summary').waitFor());
    await ui.open(`#/runs/${failed.body.id}`);
    await page.getByRole('button', { name: /^Call a failing target, Error/ }).click();
    await shoot('run-failed', () => page.getByRole('region', { name: 'HTTP exchange' }).waitFor());
    for (const tab of ['overview', 'run', 'runs', 'settings', 'versions', 'editor']) {
      await ui.open(`#/workflows/${echo.id}${tab === 'overview' ? '' : `/${tab}`}`);
      await shoot(`workflow-${tab}`, () => page.locator('.tab-panel').waitFor());
      await page.waitForTimeout(300);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    ui.expectNoErrors();
  }, 120_000);
});
