// tsc compiles TypeScript only; the SQL migrations ship beside the compiled store.
import fs from 'node:fs';
fs.cpSync('src/store/sqlite/migrations', 'dist/store/sqlite/migrations', { recursive: true });
