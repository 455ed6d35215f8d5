import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where Weir finds the files of its own package at run time: its package.json (the version), the SQL
 * migrations, the template worker's script, the built web UI. Found from the package's root, never
 * from the asking module's own place: the build (`scripts/build.mjs`) bundles the modules into a few
 * files, so a module's `import.meta.url` is the bundle's, not the folder it was written in.
 */

const THIS_FILE = fileURLToPath(import.meta.url);

/** The folder holding Weir's package.json: the nearest above this module whose package is `weir`. */
export const PACKAGE_ROOT: string = findPackageRoot(path.dirname(THIS_FILE));

/**
 * The code's folder under the root: `src` when running the TypeScript itself (tests, `npm run dev`,
 * through tsx), `dist` when running the build (`npm start`, `bin/weir.js`).
 */
export const IS_SOURCE: boolean = THIS_FILE.endsWith('.ts');
const CODE_DIR = path.join(PACKAGE_ROOT, IS_SOURCE ? 'src' : 'dist');

/** A path under the code's folder, e.g. `codePath('store', 'sqlite', 'migrations')`. */
export function codePath(...segments: string[]): string {
  return path.join(CODE_DIR, ...segments);
}

/** A path under the package's root, e.g. `packagePath('ui', 'dist')`. */
export function packagePath(...segments: string[]): string {
  return path.join(PACKAGE_ROOT, ...segments);
}

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'weir') return dir;
    if (path.dirname(dir) === dir) throw new Error(`Weir's package.json was not found above ${from}`);
  }
}
