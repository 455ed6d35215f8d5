import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { packagePath } from '../package-files.js';

/**
 * The web UI (`ui/`, built by `npm run build` into `ui/dist`), served by Weir itself:
 * `GET /` answers `index.html`, `GET /assets/*` the hashed bundles. The UI routes on the URL's hash
 * (`/#/workflows/7`), so its paths never meet the API's (`/workflows/...`).
 */

/** `ui/dist` in this package. */
export const UI_DIST_DIR = packagePath('ui', 'dist');

export interface UiAssetsOptions {
  /** Where the built UI is; default `UI_DIST_DIR`. */
  distDir?: string;
}

/**
 * The page's policy: scripts and connections only to this origin (the UI talks only to this API),
 * inline styles allowed (the graph canvas positions nodes with style attributes), never framed
 * (the settings page shows trigger credentials).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  // index.html names the current bundles: always revalidate it; the bundles themselves are immutable.
  'cache-control': 'no-cache',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Weir: the web UI is not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2937}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}</style></head>
<body>
<h1>Weir is running, but its web UI is not built</h1>
<p>Run <code>npm run build</code> in Weir's folder (it builds <code>ui/dist</code>), then restart Weir.</p>
<p>The API answers meanwhile: <code>POST /oauth/token</code>, <code>/workflows</code>, <code>/api/v1/workflows/{id}/run</code>.</p>
</body>
</html>
`;

/**
 * Registers `GET /` and `GET /assets/*`. Whether the UI is built is decided once, at start: a build
 * made later is served after a restart (a half-served build, new `index.html` with assets the server
 * does not know, is worse than the short page that says to build).
 */
export async function registerUiAssets(app: FastifyInstance, options: UiAssetsOptions = {}): Promise<void> {
  const distDir = options.distDir ?? UI_DIST_DIR;
  const indexFile = path.join(distDir, 'index.html');
  const isBuilt = existsSync(indexFile) && existsSync(path.join(distDir, 'assets'));

  // Encapsulated: the static plugin's decorators and hooks stay inside this scope.
  await app.register(async (scope) => {
    if (isBuilt) {
      await scope.register(fastifyStatic, {
        root: path.join(distDir, 'assets'),
        prefix: '/assets/',
        index: false,
        list: false,
        decorateReply: false,
        maxAge: '365d',
        immutable: true,
      });
    }
    scope.get('/', async (_request, reply) => {
      // A rebuild swaps ui/dist while Weir runs: for that moment, the page that says to build.
      const page = isBuilt ? await readFile(indexFile, 'utf8').catch(() => NOT_BUILT_PAGE) : NOT_BUILT_PAGE;
      return reply.code(200).headers(PAGE_HEADERS).send(page);
    });
  });
}
