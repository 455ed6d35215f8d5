import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { IS_SOURCE, codePath } from './package-files.js';

/**
 * Starts a worker thread on one of Weir's worker scripts, named by its path under the code's folder
 * without extension (e.g. `['template', 'template-worker']`). The build runs `dist/<path>.js`, an entry
 * of its own in the bundle (`scripts/build.mjs`). From source (tests, `npm run dev`) the script is
 * TypeScript: it is loaded through tsx, which is then installed (a dev dependency).
 */
export function startWorkerScript(segments: readonly string[], options: WorkerOptions = {}): Worker {
  const last = segments.length - 1;
  const file = (extension: string): string =>
    codePath(...segments.map((segment, i) => (i === last ? `${segment}${extension}` : segment)));
  if (!IS_SOURCE) return new Worker(file('.js'), options);
  // tsx's ESM API (its package exports map `tsx/esm/api` to this file for `import`).
  const tsxApi = pathToFileURL(
    path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs'),
  ).href;
  const target = pathToFileURL(file('.ts')).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${JSON.stringify(target)}, ${JSON.stringify(target)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}
