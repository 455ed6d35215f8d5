// The server's build: `dist/` is what `bin/weir.js` (so `npm start`) runs. Type checks are `npm run
// typecheck`'s job, not the build's.
//
// esbuild bundles Weir's own modules, with the dependencies that are many small ES modules (TypeBox:
// 218 files, jose: 14), into a few files. Node's ES module loader pays for every file it resolves,
// reads and links: ~860 files took ~450 ms of each start, on an empty database or a full one. The other
// dependencies stay packages, imported from node_modules as they are: native addons (better-sqlite3,
// isolated-vm), and CommonJS packages that read files beside their own code (@fastify/swagger-ui,
// pino's transports).
//
// Code splitting keeps what Weir imports lazily lazy (the PostgreSQL store, SMTP, OpenTelemetry): each is
// a chunk loaded on first use, with its dependencies, instead of a static import hoisted to the top.
//
// Layout: dist/weir-cli.js (the command line, the server), dist/template/template-worker.js and
// dist/store/sqlite/history-worker.js (the worker threads' scripts), dist/chunks/, dist/store/<dialect>/migrations/ (the SQL files).
// src/package-files.ts finds these from the package root, as it finds src/ when running from source.
//
// Usage: node scripts/build.mjs [--outdir <dir>]   (default: dist)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdirFlag = process.argv.indexOf('--outdir');
const outdir = path.resolve(outdirFlag === -1 ? path.join(root, 'dist') : process.argv[outdirFlag + 1]);

/** Dependencies compiled into the bundle: pure ES modules that never read their own files. */
const BUNDLED = new Set(['@sinclair/typebox', 'jose']);

const { dependencies } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const external = Object.keys(dependencies)
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

fs.rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    'weir-cli': 'src/cli/main.ts',
    'template/template-worker': 'src/template/template-worker.ts',
    'store/sqlite/history-worker': 'src/store/sqlite/history-worker.ts',
  },
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: true,
  logLevel: 'warning',
});
for (const dialect of ['sqlite', 'postgres']) {
  fs.cpSync(path.join(root, 'src', 'store', dialect, 'migrations'), path.join(outdir, 'store', dialect, 'migrations'), {
    recursive: true,
  });
}
