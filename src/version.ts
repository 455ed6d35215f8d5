import { readFileSync } from 'node:fs';

/**
 * Weir's version, from package.json. Read at startup, relative to this file: `src/version.ts` (tsx)
 * and `dist/version.js` (the build) both sit one folder below package.json, so no build step has to
 * copy it. `GET /health` and `weir --version` report it.
 */
export const WEIR_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
