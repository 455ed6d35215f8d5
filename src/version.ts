import { readFileSync } from 'node:fs';
import { packagePath } from './package-files.js';

/** Weir's version, from its package.json, read at startup. `GET /health`, `/openapi.json` and `weir --version` report it. */
export const WEIR_VERSION: string = (
  JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }
).version;
