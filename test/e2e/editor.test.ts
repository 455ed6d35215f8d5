import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeedsChromium, openUi, signIn, type UiSession } from '../helpers/browser.js';
import { must, setupWorkflow } from '../helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from '../helpers/start-weir.js';

const HELLO = fileURLToPath(new URL('../../examples/hello.json', import.meta.url));

/** The graph node of the task named exactly `name`. */
function nodeNamed(page: Page, name: string) {
  return page
    .locator('.react-flow__node')
    .filter({ has: page.locator('.task-node-name', { hasText: new RegExp(`^${name}$`) }) });
}

/** Drags from the lower handle of the node showing `from` to the upper handle of the node showing `to`. */
async function dragEdge(page: Page, from: string, to: string): Promise<void> {
  const source = nodeNamed(page, from).locator('.react-flow__handle.source');
  const target = nodeNamed(page, to).locator('.react-flow__handle.target');
  await page.locator('.graph').scrollIntoViewIfNeeded();
  const a = await source.boundingBox();
  const b = await target.boundingBox();
  if (!a || !b) throw new Error(`no handles to drag between ${from} and ${to}`);
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

/** The editor: a new workflow, then a new version of an imported one, validated, saved and activated. */
describeNeedsChromium('web UI: create, edit and activate a new version', () => {
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

  it('creates an empty workflow that opens in the editor', async () => {
    const { page } = ui;
    await ui.open('#/');
    await page.getByRole('button', { name: 'New workflow' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New workflow' });
    await dialog.getByRole('textbox', { name: /^Name/ }).fill('Nightly export');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { level: 1, name: /Nightly export/ }).waitFor();
    expect(page.url()).toMatch(/#\/workflows\/\d+\/editor$/);
    await page.locator('.react-flow__node').filter({ hasText: 'Respond' }).waitFor();
    const id = Number(/#\/workflows\/(\d+)/.exec(page.url())?.[1]);
    const exported = must(await weir.api('GET', `/workflows/${id}/export`), 200, 'export');
    expect(exported.tasks).toHaveLength(1);
    expect(exported.tasks[0]).toMatchObject({ name: 'Respond', action_type: 'Logic::ResponseFormatter' });
    await ui.screenshot('editor-new-workflow');
    ui.expectNoErrors();
  }, 60_000);

  it('adds a task from the library, links it by dragging, edits parameters, saves 0.0.2 and activates it', async () => {
    const hello = JSON.parse(await readFile(HELLO, 'utf8'));
    const workflow = await setupWorkflow(weir, hello);
    const { page } = ui;
    // Tall enough for the editor's canvas to be on screen whole: edges are drawn with the mouse.
    await page.setViewportSize({ width: 1400, height: 1300 });
    await ui.open(`#/workflows/${workflow.id}/editor`);
    await page.getByText('Draft from version 0.0.1').waitFor();
    await page.getByText('✓ The draft is valid.').waitFor();

    // Add a Liquid task: it is not linked yet, which the validation says.
    await page.getByRole('button', { name: 'Add a Liquid task' }).click();
    const panel = page.getByRole('complementary', { name: 'Task Liquid' });
    await panel.getByLabel('Task name').fill('Choose a greeting');
    await page.getByRole('complementary', { name: 'Task Choose a greeting' }).waitFor();
    const taskPanel = page.getByRole('complementary', { name: 'Task Choose a greeting' });
    await taskPanel.getByRole('textbox', { name: /^Liquid code/ }).fill('{% assign greeting = "Howdy" %}');
    await page.getByText('Nothing leads to “Choose a greeting”: it never runs.').waitFor();

    // A required parameter left empty is an error that blocks saving.
    await taskPanel.getByRole('textbox', { name: /^Liquid code/ }).fill('');
    await page.getByText('“Choose a greeting”: Liquid code is required.').waitFor();
    const save = page.getByRole('button', { name: 'Save as version 0.0.2' });
    expect(await save.isDisabled()).toBe(true);
    await taskPanel.getByRole('textbox', { name: /^Liquid code/ }).fill('{% assign greeting = "Howdy" %}');

    // Link it to Greet by dragging, choosing the hook; start the workflow at it.
    await dragEdge(page, 'Choose a greeting', 'Greet');
    const hookDialog = page.getByRole('dialog', { name: 'Choose the hook' });
    expect(await hookDialog.getByLabel('Hook').inputValue()).toBe('Success');
    await hookDialog.getByRole('button', { name: 'Link' }).click();
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    await taskPanel.getByRole('button', { name: 'Start the workflow here' }).click();
    await taskPanel.getByText('The workflow starts here.').waitFor();
    await page.getByText('✓ The draft is valid.').waitFor();

    // Greet now answers with the chosen greeting.
    await nodeNamed(page, 'Greet').click();
    const greet = page.getByRole('complementary', { name: 'Task Greet' });
    await greet
      .getByRole('textbox', { name: /^Template/ })
      .fill('{"greeting": {{ Data.Liquid.greeting | append: ", " | append: Data.Workflow.name | to_json }}}');
    await page.getByRole('button', { name: 'Tidy up the layout' }).click();
    await ui.screenshot('editor-draft');

    // Save as 0.0.2 (the server validates it too), then activate it.
    await save.click();
    await page.getByText('Saved as version').waitFor();
    await page.getByRole('button', { name: 'Activate version 0.0.2' }).click();
    await page.getByText('It is the active version now.').waitFor();
    await ui.screenshot('editor-saved');
    const after = must(await weir.api('GET', `/workflows/${workflow.id}`), 200, 'GET workflow');
    expect(after.active_version.version).toBe('0.0.2');
    const answer = await workflow.sync({ json: { name: 'Ada' } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({ greeting: 'Howdy, Ada' });
    const exported = must(await weir.api('GET', `/workflows/${workflow.id}/export?version=0.0.2`), 200, 'export');
    expect(exported.tasks.map((t: { name: string }) => t.name).sort()).toEqual(['Choose a greeting', 'Greet']);
    for (const task of exported.tasks) expect(task.css.top).toMatch(/^-?\d+px$/);

    // Versions: 0.0.2 active; 0.0.1 exported as a file, then deleted.
    await page.getByRole('link', { name: 'Versions' }).click();
    const rows = page.locator('table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.first().textContent()).toContain('0.0.2');
    expect(await rows.first().textContent()).toContain('Active');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export version 0.0.1' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('Hello-0.0.1.json');
    const file = JSON.parse(await readFile((await download.path()) as string, 'utf8'));
    expect(file.tasks).toHaveLength(1);
    await page.getByRole('button', { name: 'Delete version 0.0.1' }).click();
    await page
      .getByRole('dialog', { name: 'Delete version 0.0.1?' })
      .getByRole('button', { name: 'Delete version' })
      .click();
    await page.getByText('Version 0.0.1 was deleted.').waitFor();
    await expect.poll(() => rows.count()).toBe(1);
    await ui.screenshot('versions');
    ui.expectNoErrors();
  }, 90_000);
});
