import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeDataDir } from './lifecycle.js';
import { REPO_ROOT } from './start-servers.js';

/**
 * A private build of the current `src/`, for the figures that depend on how the process is run:
 * idle RSS, restart time, RSS while draining. Through tsx (the benchmark's default entry) a server
 * carries the TypeScript loader: about 50 MB more RSS, and transpiling on start. `npm start` runs the
 * build with plain node, so these figures are taken that way. Built here, by the build's own script
 * (scripts/build.mjs), rather than taken from `dist/`, which may be older than the code under test.
 *
 * Layout, under `<repo>/.tmp/` (ignored by git and lint; removed on exit): `dist/` (as `npm run build`
 * makes it), a copy of `package.json` (Weir finds its package root, and reads its version, there),
 * `ui/dist` linked to the repository's (served when built), and `orphan-guard.mjs`
 * (bench/orphan-guard.ts transpiled: plain node cannot preload TypeScript). Packages left out of the
 * bundle resolve from the repository's `node_modules`, above it.
 */
export interface ProductionBuild {
  /** `<build>/dist/weir-cli.js`. */
  entry: string;
  /** The orphan guard to preload with `--import`, as a file URL. */
  guardUrl: string;
  /** How long the build took, in seconds. */
  seconds: number;
}

export async function buildForProduction(options: { keep: boolean; timeoutSeconds: number }): Promise<ProductionBuild> {
  const tmp = path.join(REPO_ROOT, '.tmp');
  fs.mkdirSync(tmp, { recursive: true });
  const dir = makeDataDir(tmp, 'weir-bench-build-', options.keep);
  const startedAt = Date.now();
  await runToEnd(
    process.execPath,
    [path.join(REPO_ROOT, 'scripts', 'build.mjs'), '--outdir', path.join(dir, 'dist')],
    options,
  );
  fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json'));
  const uiDist = path.join(REPO_ROOT, 'ui', 'dist');
  if (fs.existsSync(uiDist)) {
    fs.mkdirSync(path.join(dir, 'ui'));
    fs.symlinkSync(uiDist, path.join(dir, 'ui', 'dist'));
  }
  // Loaded only here: the benchmark process is the load generator, and TypeScript is large.
  const ts = (await import('typescript')).default;
  const guard = ts.transpileModule(fs.readFileSync(path.join(REPO_ROOT, 'bench', 'orphan-guard.ts'), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const guardFile = path.join(dir, 'orphan-guard.mjs');
  fs.writeFileSync(guardFile, guard.outputText);
  return {
    entry: path.join(dir, 'dist', 'weir-cli.js'),
    guardUrl: `file://${guardFile}`,
    seconds: (Date.now() - startedAt) / 1000,
  };
}

/** Runs a command from the repository root; rejects with its output when it fails or outlasts the timeout. */
function runToEnd(command: string, args: string[], options: { timeoutSeconds: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutSeconds * 1000);
    // Interrupted or aborted meanwhile: the compiler goes too.
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('error', (error) => {
      clearTimeout(timer);
      process.off('exit', killOnExit);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      process.off('exit', killOnExit);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `the build (scripts/build.mjs) failed (${signal ?? `code ${String(code)}`}` +
              `${signal === 'SIGKILL' ? `, after ${options.timeoutSeconds} s` : ''}):\n${output.slice(-2_000)}`,
          ),
        );
    });
  });
}
