import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeedsChromium, openUi, signIn, type UiSession } from '../helpers/browser.js';
import { startCalloutTarget, type CalloutTarget } from '../helpers/callout-target.js';
import { waitForRun } from '../helpers/runs.js';
import { must, setupWorkflow } from '../helpers/setup-workflow.js';
import { ADMIN_CLIENT, startTestWeir, type TestWeir } from '../helpers/start-weir.js';
import { link, start, task, workflowDocument } from '../helpers/workflows.js';

/** The graph node of the task named exactly `name`. */
function nodeNamed(page: Page, name: string) {
  return page
    .locator('.react-flow__node')
    .filter({ has: page.locator('.task-node-name', { hasText: new RegExp(`^${name}$`) }) });
}

/**
 * Issue 13 points 3–5 in the browser: rerun a task instance with edited Data, "Test this task" in the
 * editor (nothing leaves Weir unconfirmed), and callout credentials picked from the global constants,
 * never shown again once stored.
 */
describeNeedsChromium('web UI: edited Data, task tests and secrets', () => {
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

  it('reruns a failed task instance with Data edited in a checked JSON editor', async () => {
    target.on('/charge', (request) => {
      const body = JSON.parse(request.body) as { customer: string };
      return body.customer === 'Globex' ? { status: 402, body: { declined: true } } : { body: { charged: true } };
    });
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        name: 'Charge customer',
        fields: [{ callout_id: 'customer', object_name: 'Workflow', field_name: 'customer', datatype: 'Text' }],
        tasks: [
          task.callout(1, 'Charge', {
            url: target.url('/charge'),
            rawBody: '{"customer": {{ Data.Workflow.customer | to_json }}}',
          }),
        ],
        linkages: [start(1)],
      }),
    );
    const started = await workflow.run({ json: { customer: 'Globex' } });
    const runId = started.body.id as number;
    expect(await waitForRun(weir, runId)).toMatchObject({ result: 'Error' });

    const { page } = ui;
    await ui.open(`#/runs/${runId}`);
    await page.getByRole('button', { name: /^Charge, Error/ }).click();
    const panel = page.getByRole('complementary', { name: 'Task instance' });
    await panel.getByRole('button', { name: 'Edit Data first…' }).click();
    const form = panel.getByRole('region', { name: 'Rerun with edited Data' });
    const editor = form.getByRole('textbox', { name: 'Input Data for the rerun' });
    const recorded = JSON.parse(await editor.inputValue());
    expect(recorded.Workflow.customer).toBe('Globex');
    expect(await form.getByText('Valid JSON object').count()).toBe(1);
    const rerun = form.getByRole('button', { name: /^Rerun (with|as)/ });
    expect(await rerun.textContent()).toBe('Rerun as recorded');

    // A syntax error is named by line and column, and blocks the rerun.
    await editor.fill('{\n  "Workflow": {\n    "customer": "Initech"\n  \n}');
    await form.getByText(/^Line \d+, column \d+: /).waitFor();
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    expect(await rerun.isDisabled()).toBe(true);
    await editor.fill('["not", "an object"]');
    await form.getByText('Data must be a JSON object ({…}), not an array.').waitFor();
    const edited = { ...recorded, Workflow: { ...recorded.Workflow, customer: 'Initech' } };
    await editor.fill(JSON.stringify(edited));
    await form.getByRole('button', { name: 'Format' }).click();
    expect(await editor.inputValue()).toBe(JSON.stringify(edited, null, 2));
    expect(await rerun.textContent()).toBe('Rerun with this Data');
    await ui.screenshot('rerun-edited-data');
    await rerun.click();

    const outcome = page.getByRole('status', { name: 'Outcome' });
    await expect.poll(() => outcome.textContent(), { timeout: 15_000 }).toContain('Succeeded');
    expect(target.requestsTo('/charge').map((r) => JSON.parse(r.body))).toEqual([
      { customer: 'Globex' },
      { customer: 'Initech' },
    ]);
    // The rerun's instance is shown, and its log says who edited which path.
    const log = panel.getByLabel('Log of Charge');
    await expect
      .poll(() => log.textContent())
      .toContain(`with input Data edited by client "${ADMIN_CLIENT.clientId}" (changed Workflow.customer)`);
    ui.expectNoErrors();
  }, 90_000);

  it('tests a task from the editor with sample Data from the last run; a Callout only once confirmed', async () => {
    target.on('/notify', (request) => ({ body: { notified: JSON.parse(request.body) } }));
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        name: 'Greet and notify',
        fields: [{ callout_id: 'name', object_name: 'Workflow', field_name: 'name', datatype: 'Text' }],
        tasks: [
          task.liquid(1, 'Greet', '{% assign greeting = "Hello, " | append: Data.Workflow.name %}'),
          task.callout(2, 'Notify', {
            url: target.url('/notify'),
            rawBody: '{"text": {{ Data.Liquid.greeting | to_json }}}',
          }),
        ],
        linkages: [start(1), link(1, 2)],
      }),
    );
    const started = await workflow.run({ json: { name: 'Ada' } });
    await waitForRun(weir, started.body.id as number);
    expect(target.requestsTo('/notify')).toHaveLength(1);

    const { page } = ui;
    await page.setViewportSize({ width: 1400, height: 1300 });
    await ui.open(`#/workflows/${workflow.id}/editor`);
    await page.getByText('Draft from version').waitFor();
    await nodeNamed(page, 'Greet').click();
    const greet = page.getByRole('complementary', { name: 'Task Greet' });
    // Edit the draft first: the test runs the task as drafted, not as saved.
    await greet
      .getByRole('textbox', { name: /^Liquid code/ })
      .fill('{% assign greeting = "Hi, " | append: Data.Workflow.name %}');
    await greet.getByRole('button', { name: 'Test this task…' }).click();
    const sample = greet.getByRole('textbox', { name: 'Sample input Data' });
    await greet.getByText(/This task’s input Data in run WF-/).waitFor();
    expect(JSON.parse(await sample.inputValue()).Workflow.name).toBe('Ada');
    await sample.fill(JSON.stringify({ Workflow: { name: 'Grace' } }));
    await greet.getByText('Nothing leaves Weir: this task type only transforms Data.').waitFor();
    await greet.getByRole('button', { name: 'Test this task' }).click();
    const result = greet.getByRole('region', { name: 'Test result' });
    await result.getByText('Succeeded: a run would follow its Success linkages.').waitFor();
    expect(await result.getByLabel('Output Data of the test of Greet', { exact: true }).textContent()).toContain(
      '"greeting": "Hi, Grace"',
    );

    await nodeNamed(page, 'Notify').click();
    const notify = page.getByRole('complementary', { name: 'Task Notify' });
    await notify.getByRole('button', { name: 'Test this task…' }).click();
    await notify.getByText(/This task’s input Data in run WF-/).waitFor();
    await notify.getByText('Not a dry run.').waitFor();
    const send = notify.getByRole('button', { name: 'Send and test' });
    expect(await send.isDisabled()).toBe(true);
    await notify.getByLabel('I understand: this test sends its HTTP request for real').check();
    await ui.screenshot('editor-test-callout');
    await send.click();
    const sent = notify.getByRole('region', { name: 'Test result' });
    await sent.getByText('Succeeded: a run would follow its Success linkages.').waitFor();
    expect(await sent.getByRole('region', { name: 'HTTP exchange' }).textContent()).toContain('Response200');
    expect(target.requestsTo('/notify').map((r) => JSON.parse(r.body))).toEqual([
      { text: 'Hello, Ada' },
      { text: 'Hello, Ada' },
    ]);
    // Nothing was stored as a run.
    const runs = must(await weir.api('GET', `/workflows/workflow_runs?workflow_id=${workflow.id}`), 200, 'runs');
    expect(runs.data).toHaveLength(1);
    await ui.screenshot('editor-test-result');
    ui.expectNoErrors();
  }, 90_000);

  it('picks callout credentials from the global constants and never shows a stored secret again', async () => {
    must(
      await weir.api('PUT', '/workflows/global_constants/BillingToken', { value: 'tok-Billing-7781', secret: true }),
      200,
      'constant',
    );
    target.on('/billing', { body: { ok: true } });
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        name: 'Bill with secrets',
        tasks: [
          task.callout(1, 'Bill', {
            url: target.url('/billing'),
            headers: [
              { key: 'Content-Type', value: 'application/json' },
              { key: 'X-Api-Key', value: 'k-Typed-Long-Ago-55' },
            ],
          }),
        ],
        linkages: [start(1)],
      }),
    );
    const { page } = ui;
    // The previous test left a draft with unsaved edits: leaving it asks first.
    page.once('dialog', (dialog) => void dialog.accept());
    await ui.open(`#/workflows/${workflow.id}/editor`);
    await page.getByText('Draft from version').waitFor();
    await nodeNamed(page, 'Bill').click();
    const panel = page.getByRole('complementary', { name: 'Task Bill' });

    // The typed-in header secret of the imported file is stored: shown as such, never its value.
    const header = panel.getByLabel('Headers 2 value (global constant)');
    expect(await header.inputValue()).toBe(':stored');
    await panel.getByText('A secret is stored with this task.').waitFor();
    expect(await panel.getByRole('button', { name: 'Replace secret' }).count()).toBe(1);
    expect(await page.content()).not.toContain('k-Typed-Long-Ago-55');

    // Bearer token: picked from the sealed constant.
    await panel.getByLabel('Authorization').selectOption('bearer');
    const token = panel.getByLabel('Bearer token (global constant)');
    await token.selectOption('BillingToken');
    await panel.getByText('Read at run time from the sealed constant').waitFor();

    // The header: a new secret constant made on the spot replaces the stored one.
    const headerRow = panel.locator('.pair-row').nth(1);
    await headerRow.getByRole('button', { name: 'New secret constant' }).click();
    const create = headerRow.getByRole('group', { name: 'New secret constant for Headers 2 value' });
    await create.getByLabel('Constant name').fill('Billing key');
    await create.getByText('Letters, digits and _, starting with a letter or _.').waitFor();
    await create.getByLabel('Constant name').fill('BillingKey');
    await create.getByLabel('Secret value').fill('k-Fresh-Sealed-99');
    await create.getByRole('button', { name: 'Save and use it' }).click();
    await expect.poll(() => header.inputValue()).toBe('BillingKey');
    await ui.screenshot('editor-secret-picker');

    await page.getByRole('button', { name: /^Save as version/ }).click();
    await page.getByText('Saved as version').waitFor();
    const exported = must(await weir.api('GET', `/workflows/${workflow.id}/export?version=latest`), 200, 'export');
    const parameters = exported.tasks[0].parameters;
    expect(parameters.authorization).toMatchObject({ type: 'bearer', token: '{{ GlobalConstants.BillingToken }}' });
    expect(parameters.headers[1]).toEqual({ key: 'X-Api-Key', value: '{{ GlobalConstants.BillingKey }}' });
    const constants = must(await weir.api('GET', '/workflows/global_constants'), 200, 'constants');
    expect(constants.data.find((c: { name: string }) => c.name === 'BillingKey')).toMatchObject({
      secret: true,
      value: null,
      hint: '****d-99',
    });

    // The new version, activated, sends the sealed values; no page ever showed them.
    await page.getByRole('button', { name: /^Activate version/ }).click();
    await page.getByText('It is the active version now.').waitFor();
    const run = await workflow.run();
    await waitForRun(weir, run.body.id as number);
    const [request] = target.requestsTo('/billing');
    expect(request?.headers['authorization']).toBe('Bearer tok-Billing-7781');
    expect(request?.headers['x-api-key']).toBe('k-Fresh-Sealed-99');
    await ui.open(`#/workflows/${workflow.id}/editor`);
    await nodeNamed(page, 'Bill').click();
    await page
      .getByRole('complementary', { name: 'Task Bill' })
      .getByText('Read at run time from the sealed constant')
      .first()
      .waitFor();
    const html = await page.content();
    for (const secret of ['tok-Billing-7781', 'k-Fresh-Sealed-99', 'k-Typed-Long-Ago-55'])
      expect(html).not.toContain(secret);
    ui.expectNoErrors();
  }, 90_000);
});
