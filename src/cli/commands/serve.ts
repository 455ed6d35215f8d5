import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { startWeir } from '../../weir.js';

/** `weir serve`: runs until SIGINT/SIGTERM, then closes gracefully. */
export async function runServeCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
    },
    strict: true,
  });
  const config = loadConfig(process.env, {
    ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    ...(values['database-url'] !== undefined ? { databaseUrl: values['database-url'] } : {}),
  });
  const weir = await startWeir(config);
  process.stdout.write(`Weir is listening on ${weir.url} (data: ${config.databaseUrl})\n`);
  if (weir.generatedClient) {
    // Printed once, to the terminal only (never through the logger): the secret is not stored in plain text.
    process.stdout.write(
      [
        '',
        'An admin OAuth client was created for this new database. Keep the secret: it is shown only this once.',
        `  client_id:     ${weir.generatedClient.clientId}`,
        `  client_secret: ${weir.generatedClient.clientSecret}`,
        '',
        '',
      ].join('\n'),
    );
  }
  await new Promise<void>((resolve) => {
    const shutdown = (): void => {
      process.off('SIGINT', shutdown);
      process.off('SIGTERM', shutdown);
      weir.close().then(resolve, (error: unknown) => {
        process.stderr.write(`weir: shutdown failed: ${String(error)}\n`);
        resolve();
      });
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
  return 0;
}
