// tsc compiles TypeScript only; the SQL migrations ship beside the compiled store.
import fs from 'node:fs';
fs.cpSync('src/store/sqlite/migrations', 'dist/store/sqlite/migrations', { recursive: true });
fs.cpSync('src/store/postgres/migrations', 'dist/store/postgres/migrations', { recursive: true });
