import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from './helpers/http.js';
import { createPostgresDatabase, postgresSkipReason } from './helpers/postgres.js';
import { must, setupWorkflow } from './helpers/setup-workflow.js';
import { startWeirProcess, type WeirProcess } from './helpers/weir-process.js';
import { link, start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * The build (`scripts/build.mjs`, run by `npm ci` and `npm run build`) is what `npm start` runs: a
 * bundle, not the modules the other tests load from `src/`. Built here from the current source into
 * a package of its own, then started with plain node: the files it finds by path at run time (its
 * package.json, the SQL migrations of both stores, the template worker's script) and the parts it
 * loads lazily (the PostgreSQL store, the sandbox) must work from the bundle's layout.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const postgresMissing = await postgresSkipReason();
const exec = promisify(execFile);

let packageDir: string;
let entry: string;
const started: WeirProcess[] = [];

beforeAll(async () => {
  // Under the repository, so the packages left out of the bundle resolve from its node_modules.
  mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  packageDir = mkdtempSync(path.join(ROOT, '.tmp', 'weir-build-test-'));
  copyFileSync(path.join(ROOT, 'package.json'), path.join(packageDir, 'package.json'));
  // The web UI, built by npm ci (prepare) into the repository's ui/dist: the package serves it from its own.
  mkdirSync(path.join(packageDir, 'ui'));
  symlinkSync(path.join(ROOT, 'ui', 'dist'), path.join(packageDir, 'ui', 'dist'));
  await exec(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), '--outdir', path.join(packageDir, 'dist')]);
  entry = path.join(packageDir, 'dist', 'weir-cli.js');
}, 60_000);

afterAll(async () => {
  await Promise.all(started.map((weir) => weir.stop()));
  rmSync(packageDir, { recursive: true, force: true });
});

async function startBuilt(databaseUrl?: string): Promise<WeirProcess> {
  const dataDir = mkdtempSync(path.join(packageDir, 'data-'));
  const weir = await startWeirProcess({ dataDir, builtEntry: entry, ...(databaseUrl ? { databaseUrl } : {}) });
  started.push(weir);
  return weir;
}

/**
 * Start → a Liquid loop of n² steps → JSONata → JavaScript in the sandbox → the answer of all three. The
 * last two load their libraries (jsonata, isolated-vm) on first use, from the bundle's chunks.
 */
function heavyTemplateAndScript() {
  return workflowDocument({
    name: uniqueName('built'),
    fields: [{ callout_id: 'n', object_name: 'Workflow', field_name: 'n', datatype: 'Integer', required: true }],
    tasks: [
      task.liquid(
        1,
        'Loop',
        '{% for i in (1..Data.Workflow.n) %}{% for j in (1..Data.Workflow.n) %}{% endfor %}{% endfor %}{% assign looped = Data.Workflow.n | times: Data.Workflow.n %}',
      ),
      task.raw(2, 'Transform', 'Logic::JSONTransform', { template: '{"plusOne": Liquid.looped + 1}' }),
      task.raw(3, 'Script', 'Script::JavaScript', {
        code: 'function step(data) { return { doubled: 2 * data.Liquid.looped }; }',
      }),
      task.responseFormatter(4, 'Answer', {
        template:
          '{"looped": {{ Data.Liquid.looped }}, "plusOne": {{ Data.JSONTransform.plusOne }}, "doubled": {{ Data.JavaScript.doubled }}}',
      }),
    ],
    linkages: [start(1), link(1, 2), link(2, 3), link(3, 4)],
  });
}

describe('the build, started with plain node', () => {
  it('reports the version of its package.json and serves its API description', async () => {
    const weir = await startBuilt();
    const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const health = await httpRequest(`${weir.url}/health`);
    expect(health.status).toBe(200);
    expect(health.body.version).toBe(version);
    const openapi = await httpRequest(`${weir.url}/openapi.json`);
    expect(openapi.status).toBe(200);
    expect(openapi.body.info.version).toBe(version);
  });

  it.skipIf(!existsSync(path.join(ROOT, 'ui', 'dist', 'index.html')))(
    `serves the web UI from its package${existsSync(path.join(ROOT, 'ui', 'dist', 'index.html')) ? '' : ' (skipped: ui/dist is not built; npm ci builds it)'}`,
    async () => {
      const weir = await startBuilt();
      const page = await httpRequest(`${weir.url}/`);
      expect(page.status).toBe(200);
      const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)">/.exec(page.text)?.[1];
      expect(script, page.text).toBeDefined();
      const asset = await httpRequest(`${weir.url}${script}`);
      expect(asset.status).toBe(200);
      expect(asset.headers['content-type']).toMatch(/javascript/);
    },
  );

  it('runs a template too heavy for the event loop on its worker thread, a JSONata transform and a sandboxed script', async () => {
    const weir = await startBuilt();
    const workflow = await setupWorkflow(await weir.client(), heavyTemplateAndScript());
    // 3² steps render on the event loop; 300² (~0.2 s of CPU) outgrow its slice and finish on the worker.
    expect(must(await workflow.sync({ json: { n: 3 } }), 200, 'a light run')).toEqual({
      looped: 9,
      plusOne: 10,
      doubled: 18,
    });
    expect(must(await workflow.sync({ json: { n: 300 } }), 200, 'a heavy run')).toEqual({
      looped: 90_000,
      plusOne: 90_001,
      doubled: 180_000,
    });
  });

  it.skipIf(postgresMissing !== null)(
    `migrates and runs on PostgreSQL${postgresMissing === null ? '' : ` (skipped: ${postgresMissing})`}`,
    async () => {
      const database = await createPostgresDatabase();
      try {
        const weir = await startBuilt(database.url);
        const workflow = await setupWorkflow(await weir.client(), heavyTemplateAndScript());
        expect(must(await workflow.sync({ json: { n: 4 } }), 200, 'a run')).toEqual({
          looped: 16,
          plusOne: 17,
          doubled: 32,
        });
        await weir.stop();
      } finally {
        await database.drop();
      }
    },
  );
});
