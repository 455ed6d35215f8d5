import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeedsChromium, openUi, readClipboard, signIn, type UiSession } from '../helpers/browser.js';
import { must, trigger } from '../helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from '../helpers/start-weir.js';

const HELLO = fileURLToPath(new URL('../../examples/hello.json', import.meta.url));

/**
 * The path a newcomer takes in the browser alone: sign in, import a workflow, find its token on the
 * settings page, trigger it, and look at the run and a task instance's Data.
 */
describeNeedsChromium('web UI: import, settings, a responsive run, the run', () => {
  let weir: TestWeir;
  let ui: UiSession;

  beforeAll(async () => {
    weir = await startTestWeir();
    ui = await openUi(weir.url);
  });

  afterAll(async () => {
    await ui?.close();
    await weir?.close();
  });

  it('signs in, imports hello.json, turns the callout trigger on, copies the token, runs it and shows its Data', async () => {
    const { page } = ui;
    await ui.open();

    // A wrong secret is refused with a sentence, then the right one signs in.
    await page.getByLabel('Client id').fill('test-admin');
    await page.getByLabel('Client secret').fill('not-the-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('The client id or the secret is wrong.');
    await signIn(ui);
    await page.getByText('No workflows yet').waitFor();
    await ui.screenshot('workflows-empty');

    // A file Weir cannot run is refused with the API's own words, and nothing is stored.
    await page.getByRole('button', { name: 'Import workflow' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Import a workflow' });
    const unsupported = {
      workflow: { name: 'Bill run' },
      tasks: [{ id: 1, name: 'Run the bills', action_type: 'Billing::BillRun', parameters: {} }],
      linkages: [{ source_task_id: null, target_task_id: 1, linkage_type: 'Start' }],
    };
    await dialog.getByLabel('Workflow file (JSON)').setInputFiles({
      name: 'bill-run.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(unsupported)),
    });
    await dialog.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('"Run the bills" (Billing::BillRun)');
    expect(must(await weir.api('GET', '/workflows'), 200, 'list').data).toEqual([]);

    // Import the example file, activated.
    await dialog.getByLabel('Workflow file (JSON)').setInputFiles(HELLO);
    expect(await dialog.getByLabel(/Activate it/).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('heading', { level: 1, name: /Hello/ }).waitFor();
    const workflowId = Number(/#\/workflows\/(\d+)/.exec(page.url())?.[1]);
    expect(Number.isInteger(workflowId)).toBe(true);
    const imported = must(await weir.api('GET', `/workflows/${workflowId}`), 200, 'GET workflow');
    expect(imported).toMatchObject({ name: 'Hello', status: 'Active', calloutTrigger: false });

    // The graph: the task as a node with its type and name; selecting it shows its parameters.
    const node = page.locator('.react-flow__node').filter({ hasText: 'Greet' });
    await expect.poll(() => node.textContent()).toContain('Response formatter');
    await page.getByRole('button', { name: /Greet/ }).click();
    const panel = page.getByRole('complementary', { name: 'Task parameters' });
    await expect.poll(() => panel.textContent()).toContain("'Hello, ' | append: Data.Workflow.name");
    await ui.screenshot('workflow-graph');

    // The list finds it by name.
    await page.getByRole('link', { name: 'Workflows' }).first().click();
    await page.getByLabel('Search workflows by name').fill('hel');
    await page.getByRole('link', { name: 'Hello' }).waitFor();
    await page.getByLabel('Search workflows by name').fill('nothing like it');
    await page.getByText('No workflow’s name contains “nothing like it”.').waitFor();
    await page.getByRole('button', { name: 'Clear the search' }).click();
    await page.getByRole('link', { name: 'Hello' }).click();

    // Settings: switch the callout trigger and responsive mode on.
    await page.getByRole('link', { name: 'Settings' }).click();
    const callout = page.getByRole('switch', { name: 'Callout trigger' });
    expect(await callout.getAttribute('aria-checked')).toBe('false');
    await callout.click();
    await expect.poll(() => callout.getAttribute('aria-checked')).toBe('true');
    const responsive = page.getByRole('switch', { name: 'Responsive mode' });
    await responsive.click();
    await expect.poll(() => responsive.getAttribute('aria-checked')).toBe('true');
    const switched = must(await weir.api('GET', `/workflows/${workflowId}`), 200, 'GET workflow');
    expect(switched).toMatchObject({ calloutTrigger: true, syncTrigger: true });

    // The API token: shown on request, copied by its button, and it triggers the workflow.
    const settings = must(await weir.api('GET', `/workflows/${workflowId}/settings`), 200, 'GET settings');
    const tokenField = page.getByRole('textbox', { name: 'API token', exact: true });
    expect(await tokenField.getAttribute('type')).toBe('password');
    await page.getByRole('button', { name: 'Show API token' }).click();
    const shownToken = await tokenField.inputValue();
    expect(shownToken).toBe(settings.api_token);
    await page.getByRole('button', { name: 'Copy API token' }).click();
    await expect.poll(() => readClipboard(page)).toBe(settings.api_token);
    const byToken = await trigger(weir.url, workflowId, 'sync', {
      auth: { apiToken: shownToken },
      json: { name: 'Bo' },
    });
    expect(byToken.status, byToken.text).toBe(200);
    expect(byToken.body).toEqual({ greeting: 'Hello, Bo!' });
    await expect
      .poll(() => page.locator('pre').filter({ hasText: '/sync' }).first().textContent())
      .toContain('API-Token: ••••••••');
    await ui.screenshot('workflow-settings');

    // Run it: the form from the declared input, responsive, shows the answer's status and body.
    await page.getByRole('link', { name: 'Run it' }).click();
    const nameInput = page.getByRole('textbox', { name: /^name/ });
    expect(await nameInput.getAttribute('aria-required')).toBe('true');
    await page.getByRole('radio', { name: /Responsive/ }).check();
    await page.getByRole('button', { name: 'Run and wait' }).click();
    await expect.poll(() => page.locator('.field-error').textContent()).toBe('name is required.');
    await nameInput.fill('Ada');
    await page.getByRole('button', { name: 'Run and wait' }).click();
    const answer = page.getByRole('region', { name: 'Responsive answer' });
    await expect.poll(() => answer.textContent()).toContain('HTTP 200');
    expect(await answer.getByLabel('Response body', { exact: true }).textContent()).toBe(
      JSON.stringify({ greeting: 'Hello, Ada!' }, null, 2),
    );
    await ui.screenshot('run-it-responsive');

    // Runs: both runs listed, newest first; open Ada's.
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    const rows = page.locator('table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.first().textContent()).toContain('Responsive');
    await ui.screenshot('workflow-runs');
    await rows.first().getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: /WF-\d+-\d{8}/ }).waitFor();

    // The run: its task instance coloured by status, and its input Data.
    const runNode = page.locator('.react-flow__node').filter({ hasText: 'Greet' });
    await expect.poll(() => runNode.textContent()).toContain('Success');
    await page.getByRole('button', { name: /^Greet, Success/ }).click();
    const instance = page.getByRole('complementary', { name: 'Task instance' });
    const inputData = instance.getByLabel('Input Data of Greet', { exact: true });
    await expect.poll(() => inputData.textContent()).toContain('"name": "Ada"');
    expect(await instance.getByLabel('Output Data of Greet', { exact: true }).textContent()).toContain(
      'ResponseFormatter',
    );
    await ui.screenshot('run-task-instance');

    // The token lives in this tab's sessionStorage, and signing out forgets it.
    const stored = JSON.parse((await page.evaluate('sessionStorage.getItem("weir.session")')) as string);
    expect(stored).toMatchObject({ clientId: 'test-admin', accessToken: expect.any(String) });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You signed out.').waitFor();
    expect(await page.evaluate('sessionStorage.getItem("weir.session")')).toBeNull();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();

    ui.expectNoErrors([
      { method: 'POST', path: /^\/oauth\/token$/, status: 401 },
      { method: 'POST', path: /^\/workflows\/import$/, status: 400 },
    ]);
  }, 120_000);
});
