import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * WCAG 2.1 contrast of the colour tokens, in the light and the dark scheme: body text and the muted
 * text on every surface, status colours (badge text, links, counts) on the surface and on their own
 * soft backgrounds, and text on the strong fills (primary and danger buttons). 4.5:1 is AA for text.
 */
const css = readFileSync(new URL('./base.css', import.meta.url), 'utf8');

function tokens(block: string): Record<string, string> {
  return Object.fromEntries([...block.matchAll(/--([a-z0-9-]+):\s*(#[0-9a-f]{6})\b/gi)].map((m) => [m[1], m[2]]));
}

const light = tokens(css.slice(css.indexOf(':root'), css.indexOf('@media (prefers-color-scheme: dark)')));
const dark = { ...light, ...tokens(css.slice(css.indexOf('@media (prefers-color-scheme: dark)'))) };

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

const STATUSES = ['success', 'error', 'running', 'waiting', 'queued', 'stopped'];
const PAIRS: Array<[string, string]> = [
  ['text', 'bg'],
  ['text', 'surface'],
  ['text', 'surface-2'],
  ['muted', 'bg'],
  ['muted', 'surface'],
  ['muted', 'surface-2'],
  ['primary', 'surface'],
  ['on-strong', 'primary'],
  ['on-strong', 'primary-strong'],
  ['on-strong', 'error'],
  ['on-strong', 'error-strong'],
  ['error-text', 'error-soft'],
  ['info-text', 'running-soft'],
  ['success-text', 'success-soft'],
  ['warning-text', 'waiting-soft'],
  ['code-text', 'code-bg'],
  ['text', 'primary-soft'],
  ...STATUSES.flatMap((s): Array<[string, string]> => [
    [s, 'surface'],
    [s, `${s}-soft`],
  ]),
];

describe.each([
  ['light', light],
  ['dark', dark],
])('colour tokens, %s scheme', (_scheme, palette) => {
  it.each(PAIRS)('%s on %s is at least 4.5:1', (foreground, background) => {
    const fg = palette[foreground];
    const bg = palette[background];
    expect(fg, foreground).toMatch(/^#/);
    expect(bg, background).toMatch(/^#/);
    expect(contrast(fg as string, bg as string)).toBeGreaterThanOrEqual(4.5);
  });
});
