import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Vitest global setup: the end-to-end tests drive the built web UI, so build it (`vite build ui`) when
 * ui/dist is missing or older than any of its sources. The build goes to a scratch folder first and
 * replaces ui/dist in one rename, so a Weir serving ui/dist never sees half a build.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UI = path.join(ROOT, 'ui');
const DIST = path.join(UI, 'dist');
/** Besides ui/: the server's model files the UI imports (ui/src/model/schedule.ts, versions.ts). */
const EXTRA_SOURCES = [
  path.join(ROOT, 'src', 'model', 'timezones.ts'),
  path.join(ROOT, 'src', 'model', 'version-number.ts'),
  // Built into the empty state's templates (ui/src/model/examples.ts).
  path.join(ROOT, 'examples'),
];

function newestMtime(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(entry).map((name) => newestMtime(path.join(entry, name))));
}

/** Whether ui/dist is missing or older than the UI's sources. */
export function isUiBuildStale(): boolean {
  const index = path.join(DIST, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  const sources = [
    path.join(UI, 'src'),
    path.join(UI, 'index.html'),
    path.join(UI, 'vite.config.ts'),
    path.join(UI, 'tsconfig.json'),
    ...EXTRA_SOURCES.filter((file) => existsSync(file)),
  ];
  return sources.some((source) => newestMtime(source) > built);
}

export function buildUi(): void {
  const scratch = path.join(ROOT, 'test-results', `.ui-build-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      UI,
      '--outDir',
      scratch,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    // Vitest sets NODE_ENV=test, which would give React's development build.
    {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 180_000,
    },
  );
  try {
    rmSync(DIST, { recursive: true, force: true });
    renameSync(scratch, DIST);
  } catch (error) {
    // Another test run swapped its own build in at the same moment: theirs is as fresh as ours.
    rmSync(scratch, { recursive: true, force: true });
    if (!existsSync(path.join(DIST, 'index.html'))) throw error;
  }
}

export default function setup(): void {
  if (isUiBuildStale()) buildUi();
}
