import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeedsChromium, openUi, signIn, type UiSession } from '../helpers/browser.js';
import { must } from '../helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from '../helpers/start-weir.js';

/** issue 11 point 3 in the browser: set a plain and a secret global constant, see the secret masked, delete one. */
describeNeedsChromium('web UI: global constants', () => {
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

  it('sets, masks and deletes constants', async () => {
    const { page } = ui;
    await page.getByRole('link', { name: 'Global constants' }).click();
    await page.getByRole('heading', { level: 1, name: 'Global constants' }).waitFor();

    await page.getByLabel('Name').fill('BASE_URL');
    await page.getByLabel('Value').fill('https://billing.example.test');
    await page.getByRole('button', { name: 'Save constant' }).click();
    await page.getByRole('cell', { name: '"https://billing.example.test"' }).waitFor();

    await page.getByLabel('Name').fill('API_KEY');
    await page.getByLabel('Secret').check();
    await page.getByLabel('Value').fill('sk_live_0123456789WXYZ');
    await page.getByRole('button', { name: 'Save constant' }).click();
    await page.getByRole('cell', { name: 'secret ****WXYZ' }).waitFor();
    expect(await page.content()).not.toContain('sk_live_0123456789WXYZ');

    await page.getByRole('button', { name: 'Delete BASE_URL' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete BASE_URL?' });
    expect(await confirm.textContent()).toContain('{{ GlobalConstants.BASE_URL }} fail from then on');
    await confirm.getByRole('button', { name: 'Delete constant' }).click();
    await expect.poll(() => page.getByRole('cell', { name: 'BASE_URL', exact: true }).count()).toBe(0);
    const listed = must(await weir.api('GET', '/workflows/global_constants'), 200, 'list');
    expect(listed.data.map((c: { name: string }) => c.name)).toEqual(['API_KEY']);
  });
});
