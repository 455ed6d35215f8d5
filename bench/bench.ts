/**
 * `npm run bench`: the trigger benchmark on SQLite (bench/trigger.bench.ts), or with
 * `BENCH_STORE=postgres` the scale benchmark: 1, 2 and 3 nodes on PostgreSQL (bench/scale.bench.ts).
 */
if (process.env.BENCH_STORE === 'postgres') await import('./scale.bench.js');
else if (process.env.BENCH_STORE === undefined || process.env.BENCH_STORE === 'sqlite')
  await import('./trigger.bench.js');
else throw new Error(`BENCH_STORE must be sqlite or postgres; got "${process.env.BENCH_STORE}".`);
