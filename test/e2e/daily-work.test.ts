import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeedsChromium, openUi, signIn, type UiSession } from '../helpers/browser.js';
import { startCalloutTarget, type CalloutTarget } from '../helpers/callout-target.js';
import { waitForRun } from '../helpers/runs.js';
import { must, setupWorkflow, type TriggerableWorkflow } from '../helpers/setup-workflow.js';
import { ADMIN_CLIENT, startTestWeir, type TestWeir } from '../helpers/start-weir.js';
import { responseFormatterWorkflow, task, workflowDocument, start } from '../helpers/workflows.js';

/**
 * Daily work in the browser (issue 13): examples offered on an empty Weir, dark mode, all runs with
 * filters and live updates, failures counted on the workflow list, a run's outcome, inputs and
 * timeline, a callout's request and response, and an editor that keeps unsaved work.
 */
describeNeedsChromium('web UI: daily work', () => {
  let weir: TestWeir;
  let target: CalloutTarget;
  let ui: UiSession;
  let echo: TriggerableWorkflow;
  let failingRunId = 0;

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

  it('offers the bundled examples on an empty Weir, and follows the dark system setting', async () => {
    const { page } = ui;
    await page.getByRole('heading', { name: 'Start from an example' }).waitFor();
    const cards = page.locator('.template');
    expect(await cards.count()).toBe(10);
    expect(await cards.first().textContent()).toContain('Hello');

    const background = () => page.evaluate('getComputedStyle(document.documentElement).backgroundColor');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await background()).toBe('rgb(245, 246, 248)');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).toBe('rgb(15, 20, 26)');
    expect(await page.evaluate('getComputedStyle(document.querySelector("h1")).color')).toBe('rgb(230, 234, 240)');
    await ui.screenshot('empty-examples-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByRole('button', { name: 'Use the Hello example' }).click();
    await page.getByRole('heading', { level: 1, name: 'Hello' }).waitFor();
    const listed = must(await weir.api('GET', '/workflows?name=Hello'), 200, 'list');
    expect(listed.data).toHaveLength(1);
    ui.expectNoErrors();
  }, 60_000);

  it('lists every run with filters, live, and counts failures on the workflow list', async () => {
    echo = await setupWorkflow(
      weir,
      responseFormatterWorkflow({
        name: 'Echo customer',
        template: '{"ok": true}',
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
    target.on('/orders', {
      status: 503,
      body: { message: 'orders are down' },
      headers: { 'Retry-After': '30' },
    });
    const failing = await setupWorkflow(
      weir,
      workflowDocument({
        name: 'Create order',
        tasks: [
          task.callout(1, 'Create the order', {
            url: target.url('/orders?api_key=k-123&page=1'),
            rawBody: '{"customer": "{{ Data.Workflow.Customer }}"}',
            headers: [
              { key: 'Content-Type', value: 'application/json' },
              { key: 'Authorization', value: 'Bearer s3cret-token' },
              { key: 'X-Api-Key', value: 'k-123' },
            ],
          }),
        ],
        linkages: [start(1)],
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
    for (let i = 0; i < 26; i += 1) {
      const answer = await echo.sync({ json: { Customer: `Customer ${i}` } });
      expect(answer.status, answer.text).toBe(200);
    }
    const started = await failing.run({ json: { Customer: 'Globex' } });
    failingRunId = started.body.id as number;
    expect(await waitForRun(weir, failingRunId)).toMatchObject({ status: 'Finished', result: 'Error' });

    const { page } = ui;
    await ui.open('#/');
    const failedRow = page.locator('tbody tr').filter({ hasText: 'Create order' });
    await expect.poll(() => failedRow.textContent()).toContain('1 failed');
    expect(await page.locator('tbody tr').filter({ hasText: 'Echo customer' }).textContent()).toContain('None');
    await expect
      .poll(() => page.locator('.failure-summary').textContent())
      .toContain('1 run failed in the last 7 days');
    await ui.screenshot('workflows-failures');

    // The count leads to those runs.
    await failedRow.getByRole('link', { name: '1 failed' }).click();
    await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
    const rows = page.locator('table tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Create order');
    expect(await page.getByLabel('Result').inputValue()).toBe('Error');
    expect(page.url()).toContain('result=Error');

    // All runs, newest first, 25 a page.
    await page.getByRole('link', { name: 'All runs' }).click();
    await expect.poll(() => rows.count()).toBe(25);
    expect(await rows.first().textContent()).toContain('Create order');
    await page.getByRole('link', { name: 'Older runs' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.last().textContent()).toContain('Echo customer');
    await page.getByRole('link', { name: 'Newer runs' }).click();
    await expect.poll(() => rows.count()).toBe(25);

    // Filters: workflow, mode, input text, dates.
    await page.getByLabel('Trigger mode').selectOption('standard');
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel('Trigger mode').selectOption('');
    await page.getByLabel('Workflow', { exact: true }).selectOption({ label: 'Echo customer' });
    await page.getByLabel('Input contains').fill('customer 17');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Echo customer');
    expect(await rows.first().textContent()).toContain('Responsive');
    await page.getByLabel('Input contains').fill('');
    await expect.poll(() => rows.count()).toBe(25);
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    const date = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
    await page.getByLabel('From').fill(date);
    await page.getByText('No run matches these filters.').waitFor();
    await page.getByRole('button', { name: 'Clear the filters' }).click();
    await expect.poll(() => rows.count()).toBe(25);
    await page.getByRole('combobox', { name: 'Status', exact: true }).selectOption('Finished');
    await page.getByLabel('Result').selectOption('Error');
    await expect.poll(() => rows.count()).toBe(1);

    // Live: a new failure shows up while the page is open.
    const again = await failing.run({ json: { Customer: 'Initech' } });
    await waitForRun(weir, again.body.id as number);
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    await ui.screenshot('runs-page-failed');
    ui.expectNoErrors();
  }, 120_000);

  it('explains a failed run in one line, with its inputs, and shows the callout exchange', async () => {
    const { page } = ui;
    await ui.open(`#/runs/${failingRunId}`);
    const outcome = page.getByRole('status', { name: 'Outcome' });
    await expect.poll(() => outcome.textContent()).toContain('Failed');
    // The explanation names the failed task once the page has read the task list (a moment after the run).
    await expect
      .poll(() => outcome.textContent())
      .toContain(
        'The run finished, but “Create the order” failed and no Failure linkage handled it (WorkflowError::Callout',
      );
    const summary = page.locator('.summary').first();
    expect(await summary.textContent()).toContain('Standard');
    expect(await summary.textContent()).toContain('Run user');
    expect(await summary.textContent()).toContain('Idempotency key');
    const inputs = page.getByRole('region', { name: 'Inputs' });
    expect(await inputs.textContent()).toContain('Workflow.Customer');
    expect(await inputs.textContent()).toContain('Globex');

    await page.getByRole('button', { name: /^Create the order, Error/ }).click();
    const panel = page.getByRole('complementary', { name: 'Task instance' });
    const exchange = panel.getByRole('region', { name: 'HTTP exchange' });
    await expect.poll(() => exchange.textContent()).toContain('Request');
    const text = (await exchange.textContent()) ?? '';
    expect(text).toContain(`POST ${target.url('/orders?api_key=masked&page=1')}`);
    const requestHeaders = exchange.getByRole('table', { name: 'Request headers' });
    expect(await requestHeaders.textContent()).toContain('authorization•••••••• (masked)');
    expect(await requestHeaders.textContent()).toContain('x-api-key•••••••• (masked)');
    expect(await requestHeaders.textContent()).toContain('content-typeapplication/json');
    expect(text).not.toContain('s3cret-token');
    expect(text).not.toContain('k-123');
    expect(await exchange.getByLabel('Request body').textContent()).toContain('"customer": "Globex"');
    expect(text).toContain('Response503');
    expect(await exchange.getByRole('table', { name: 'Response headers' }).textContent()).toContain('retry-after30');
    expect(await exchange.getByLabel('Response body').textContent()).toContain('"message": "orders are down"');
    await ui.screenshot('run-callout-exchange');

    // After a rerun much later than the first try, the first bar stays readable (a break, not a sliver).
    target.on('/orders', { body: { id: 'ord-1' } });
    await page.evaluate('new Promise((resolve) => setTimeout(resolve, 3000))');
    await panel.getByRole('button', { name: 'Rerun this task' }).click();
    await expect.poll(() => outcome.textContent(), { timeout: 15_000 }).toContain('Succeeded');
    // The explanation follows the task list, which the page may read a moment after the run's status.
    await expect
      .poll(() => outcome.textContent(), { timeout: 15_000 })
      .toContain('The run finished with the result Success: 1 failed task instance repaired by a rerun.');
    const bars = page.locator('.timeline .timeline-bar');
    await expect.poll(() => bars.count()).toBe(2);
    const widths = await bars.evaluateAll((elements) => elements.map((e) => e.getBoundingClientRect().width));
    const track = await page
      .locator('.timeline .timeline-track')
      .first()
      .evaluate((e) => e.getBoundingClientRect().width);
    // On a linear axis each bar would be a sliver (tens of ms of a span over 3 s: under 2 % of the track).
    // Broken, the bars share the busy time by their durations, which vary run to run: 6 % is the floor.
    for (const width of widths) expect(width).toBeGreaterThan(track * 0.06);
    expect(await page.locator('.timeline-axis').textContent()).toMatch(/later/);
    await ui.screenshot('run-after-rerun');
    ui.expectNoErrors();
  }, 90_000);

  it('keeps a run of hundreds of task instances readable', async () => {
    // Iterate over 300 items: one task instance per item, each a short Liquid task.
    const items = Array.from({ length: 300 }, (_, i) => i);
    const document = workflowDocument({
      name: 'Many items',
      tasks: [
        task.raw(1, 'For each item', 'Iterate', {
          object: 'CUSTOM LIQUID',
          liquid_statement: '{{ Data.Workflow.Items | to_json }}',
          chunk_size: '1',
          concurrency: '4',
        }),
        task.raw(2, 'Size one', 'Logic::Liquid', { code: '{% assign n = Data.Iterate %}' }),
      ],
      linkages: [start(1), { source_workflow_id: 1, source_task_id: 1, target_task_id: 2, linkage_type: 'For Each' }],
      fields: [
        { callout_id: 'Items', object_name: 'Workflow', field_name: 'Items', datatype: 'JSON', required: false },
      ],
    });
    const many = await setupWorkflow(weir, document);
    const started = await many.run({ json: { Items: JSON.stringify(items) } });
    expect(started.status, started.text).toBe(200);
    const run = await waitForRun(weir, started.body.id as number, { timeoutMs: 60_000 });
    const { page } = ui;
    await ui.open(`#/runs/${run.id}`);
    const rows = page.locator('.timeline li');
    await expect
      .poll(() => page.locator('.timeline-tools').textContent(), { timeout: 15_000 })
      .toMatch(/\d+ task instances/);
    const total = run.tasks.total as number;
    expect(await rows.count()).toBe(Math.min(total, 100));
    // The list scrolls inside its card instead of making the page hundreds of rows long.
    const box = await page.locator('.timeline-scroll').evaluate((e) => e.getBoundingClientRect().height);
    expect(box).toBeLessThanOrEqual(26 * 15 + 2);
    if (total > 100) {
      await page.getByRole('button', { name: `Show all ${total} task instances` }).click();
      expect(await rows.count()).toBe(total);
    }
    await page.getByLabel('Find a task instance by name').fill('For each');
    await expect.poll(() => rows.count()).toBe(1);
    await ui.screenshot('run-many-tasks');
    ui.expectNoErrors();
  }, 120_000);

  it('asks before unsaved edits are lost, undoes and redoes, and draws labels readably at 1366 px', async () => {
    const { page } = ui;
    await page.setViewportSize({ width: 1366, height: 768 });
    try {
      const account = must(await weir.api('GET', '/workflows?name=Hello'), 200, 'list').data[0];
      await ui.open(`#/workflows/${account.id}/editor`);
      await page.getByRole('button', { name: 'Add a Liquid task' }).waitFor();
      const nodes = page.locator('.react-flow__node-task');
      await expect.poll(() => nodes.count()).toBe(1);

      // Readable: the canvas is not zoomed out below 0.85, so a task name is 11 px or more.
      const nameSize = await page
        .locator('.task-node-name')
        .first()
        .evaluate((e) => e.getBoundingClientRect().height);
      expect(nameSize).toBeGreaterThanOrEqual(13);

      await page.getByRole('button', { name: 'Add a Liquid task' }).click();
      await expect.poll(() => nodes.count()).toBe(2);
      await page.getByText('unsaved changes').waitFor();

      // Undo and redo, from the keyboard.
      await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('Control+z');
      await expect.poll(() => nodes.count()).toBe(1);
      await page.keyboard.press('Control+Shift+z');
      await expect.poll(() => nodes.count()).toBe(2);
      await page.getByRole('button', { name: 'Undo' }).click();
      await expect.poll(() => nodes.count()).toBe(1);
      // Back at the loaded state: nothing to lose.
      expect(await page.getByText('unsaved changes').count()).toBe(0);
      await page.getByRole('button', { name: 'Redo' }).click();
      await expect.poll(() => nodes.count()).toBe(2);

      // Switching tab asks; "stay" keeps the draft.
      let asked = '';
      page.once('dialog', (dialog) => {
        asked = dialog.message();
        void dialog.dismiss();
      });
      await page.locator('.tabs').getByRole('link', { name: 'Runs' }).click();
      await expect.poll(() => asked).toContain('unsaved changes');
      expect(page.url()).toContain('/editor');
      expect(await nodes.count()).toBe(2);
      page.once('dialog', (dialog) => void dialog.dismiss());
      await page.locator('.tabs').getByRole('link', { name: 'Settings' }).click();
      await expect.poll(() => page.url()).toContain('/editor');
      expect(await nodes.count()).toBe(2);
      await ui.screenshot('editor-1366');

      // Closing the page asks too (the browser's own prompt).
      // (A new tab has its own session: sign in there first.)
      const closing = await page.context().newPage();
      await closing.goto(page.url());
      await closing.getByLabel('Client id').fill(ADMIN_CLIENT.clientId);
      await closing.getByLabel('Client secret').fill(ADMIN_CLIENT.clientSecret);
      await closing.getByRole('button', { name: 'Sign in' }).click();
      await closing.getByRole('button', { name: 'Add a Liquid task' }).click();
      await closing.getByText('unsaved changes').waitFor();
      const beforeUnload = new Promise<string>((resolve) =>
        closing.once('dialog', (dialog) => {
          resolve(dialog.type());
          void dialog.accept();
        }),
      );
      await closing.close({ runBeforeUnload: true });
      expect(await beforeUnload).toBe('beforeunload');

      // Leaving on purpose: accepted, the tab changes.
      page.once('dialog', (dialog) => void dialog.accept());
      await page.locator('.tabs').getByRole('link', { name: 'Settings' }).click();
      await expect.poll(() => page.url()).toContain('/settings');
    } finally {
      await page.setViewportSize({ width: 1400, height: 900 });
    }
    ui.expectNoErrors();
  }, 90_000);

  it('orders versions by the server’s rules: 0.0.10 after 0.0.9, a pre-release before its release', async () => {
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        name: 'Versioned',
        version: '0.0.9',
        tasks: [task.responseFormatter(1, 'Answer', { template: '{"ok": true}' })],
        linkages: [start(1)],
      }),
    );
    const document = must(await weir.api('GET', `/workflows/${workflow.id}/export`), 200, 'export');
    for (const version of ['0.0.10', '1.2.0-rc.1', '1.2.0']) {
      must(
        await weir.api('POST', `/workflows/${workflow.id}/versions/import?version=${version}`, document),
        200,
        `import ${version}`,
      );
    }
    // The server refuses what its order puts before the latest: the UI must agree with it.
    const older = await weir.api('POST', `/workflows/${workflow.id}/versions/import?version=1.2.0-rc.2`, document);
    expect(older.status, older.text).toBe(400);

    const { page } = ui;
    await ui.open(`#/workflows/${workflow.id}/versions`);
    const rows = page.locator('table tbody tr');
    await expect.poll(() => rows.count()).toBe(4);
    const shown = await rows.evaluateAll((elements) => elements.map((e) => e.querySelector('td a')?.textContent ?? ''));
    expect(shown).toEqual(['1.2.0', '1.2.0-rc.1', '0.0.10', '0.0.9']);
    await ui.open(`#/workflows/${workflow.id}/editor`);
    await page.getByText('Draft from version 1.2.0').waitFor();
    expect(await page.getByLabel('New version').inputValue()).toBe('1.2.1');
    ui.expectNoErrors();
  }, 60_000);
});
