import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { ADMIN_CLIENT } from './start-weir.js';

/**
 * The web UI's end-to-end tests drive Debian's chromium (`/usr/bin/chromium`, installed by `.ci/run`)
 * through playwright-core against a Weir started in the test process, which serves the built UI.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM_PATH = process.env.WEIR_CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results', 'e2e');

/** Whether the browser the end-to-end tests drive is installed here. */
export const hasChromium = existsSync(CHROMIUM_PATH);
export const CHROMIUM_SKIP_REASON = `needs Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set WEIR_CHROMIUM_PATH)`;

/**
 * `describe` for the browser tests: on a machine without Chromium the whole block is skipped (its
 * browser is never launched), with the reason in its name, so `npm test` passes and says what it
 * left out. `.ci/run` installs Chromium and fails on any skipped test.
 */
export function describeNeedsChromium(name: string, body: () => void): void {
  if (hasChromium) describe(name, body);
  else describe.skip(`${name} [skipped: ${CHROMIUM_SKIP_REASON}]`, body);
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** An HTTP answer of 400 or more that the page received. */
export interface FailedResponse {
  method: string;
  url: string;
  status: number;
}

/** A browser with one page on a Weir, recording console errors and failed requests. */
export interface UiSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  baseUrl: string;
  /** `console.error` messages and uncaught page errors, in order. */
  consoleErrors: string[];
  /** Every answer with status >= 400. */
  failedResponses: FailedResponse[];
  /** Goes to a UI path (`#/...`). */
  open(hashPath?: string): Promise<void>;
  /** Keeps a full-page screenshot at test-results/e2e/<name>.png. */
  screenshot(name: string): Promise<string>;
  /**
   * Asserts that, since the previous check, the page logged no error and received no failed answer, except answers matching
   * `expected` (e.g. the 401 of a wrong sign-in the test provoked); the browser's own "Failed to load
   * resource" line for such an answer is not counted either.
   */
  expectNoErrors(expected?: ReadonlyArray<{ method?: string; path: RegExp; status: number }>): void;
  close(): Promise<void>;
}

/** Launches headless chromium on `baseUrl` with clipboard access (the copy buttons are tested). */
export async function openUi(baseUrl: string): Promise<UiSession> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, baseURL: baseUrl });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const consoleErrors: string[] = [];
  const failedResponses: FailedResponse[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) {
      failedResponses.push({ method: response.request().method(), url: response.url(), status: response.status() });
    }
  });
  const session: UiSession = {
    browser,
    context,
    page,
    baseUrl,
    consoleErrors,
    failedResponses,
    open: async (hashPath = '#/') => {
      await page.goto(`${baseUrl}/${hashPath}`);
    },
    screenshot: async (name) => {
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      // From the top: a full-page capture of a scrolled page draws the sticky header mid-page.
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    expectNoErrors: (expected = []) => {
      const isExpected = (r: FailedResponse): boolean =>
        expected.some(
          (e) => e.status === r.status && e.path.test(new URL(r.url).pathname) && (!e.method || e.method === r.method),
        );
      // Each check covers what happened since the previous one.
      const responses = failedResponses.splice(0);
      const lines = consoleErrors.splice(0);
      const unexpected = responses.filter((r) => !isExpected(r));
      expect(unexpected, 'failed HTTP answers the test did not provoke').toEqual([]);
      const resourceLine = /^Failed to load resource: the server responded with a status of (\d+)/;
      const errors = lines.filter((line) => {
        const status = resourceLine.exec(line)?.[1];
        return !(status && responses.some((r) => String(r.status) === status && isExpected(r)));
      });
      expect(errors, 'console errors').toEqual([]);
    },
    close: async () => {
      await browser.close();
    },
  };
  return session;
}

/** Signs in through the form with the test admin client and waits for the workflow list. */
export async function signIn(session: UiSession, client: { clientId: string; clientSecret: string } = ADMIN_CLIENT) {
  const { page } = session;
  await page.getByLabel('Client id').fill(client.clientId);
  await page.getByLabel('Client secret').fill(client.clientSecret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Workflows' }).waitFor();
}

/** The text the clipboard holds (the page must be focused; permissions are granted by `openUi`). */
export async function readClipboard(page: Page): Promise<string> {
  return (await page.evaluate('navigator.clipboard.readText()')) as string;
}

/** Roles of controls a person operates: each must have an accessible name. */
const CONTROL_ROLES = new Set([
  'button',
  'link',
  'textbox',
  'searchbox',
  'checkbox',
  'radio',
  'switch',
  'combobox',
  'listbox',
  'spinbutton',
  'slider',
  'tab',
  'menuitem',
  'option',
]);

interface AxNode {
  ignored?: boolean;
  role?: { value?: string };
  name?: { value?: string };
  properties?: Array<{ name: string; value: { value?: unknown } }>;
  backendDOMNodeId?: number;
}

/**
 * Every control on the page, as chromium's accessibility tree computes it (labels, aria-label,
 * aria-labelledby, text content), has a non-empty accessible name. Returns how many it checked.
 */
export async function expectEveryControlNamed(page: Page, where: string): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: AxNode[] };
    const controls = nodes.filter((n) => !n.ignored && CONTROL_ROLES.has(n.role?.value ?? ''));
    const unnamed = controls
      .filter((n) => !(typeof n.name?.value === 'string' && n.name.value.trim() !== ''))
      .map((n) => `${n.role?.value} (DOM node ${n.backendDOMNodeId})`);
    expect(unnamed, `controls without an accessible name on ${where}`).toEqual([]);
    expect(controls.length, `controls found on ${where}`).toBeGreaterThan(0);
    return controls.length;
  } finally {
    await cdp.detach();
  }
}

/** Runs in the page: whether `element` has the focus (typed without the DOM library, which tests do not load). */
function isFocused(element: unknown): boolean {
  return element === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement;
}

/**
 * Presses Tab until `target` has the focus (at most `maxPresses` times): the keyboard-only way to reach
 * a control. Throws, naming what had the focus, when it is never reached.
 */
export async function tabTo(page: Page, target: Locator, maxPresses = 60): Promise<void> {
  for (let i = 0; i < maxPresses; i += 1) {
    if (await target.evaluate(isFocused).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  const focused = await page.evaluate(
    '(() => { const e = document.activeElement; return e ? `${e.tagName} ${e.getAttribute("aria-label") ?? e.textContent?.slice(0, 40)}` : "nothing"; })()',
  );
  throw new Error(`Tab never reached ${String(target)} in ${maxPresses} presses; the focus is on ${String(focused)}`);
}
