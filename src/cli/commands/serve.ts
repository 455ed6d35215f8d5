import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadConfig } from '../../config.js';

interface ServeFlags {
  port?: number;
  host?: string;
  dataDir?: string;
  databaseUrl?: string;
}

/** `weir serve`: runs until SIGINT/SIGTERM, then closes gracefully. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Start Weir: the HTTP API, the trigger endpoints, the web UI and the engine.')
    // The environment variables are read by loadConfig (with their checks); they are named here for the help.
    .addOption(
      new Option('--port <n>', 'port to listen on (WEIR_PORT, default 8080; 0 picks a free one)').argParser(portNumber),
    )
    .addOption(new Option('--host <address>', 'address to listen on (WEIR_HOST, default 127.0.0.1)'))
    .addOption(new Option('--data-dir <dir>', 'data directory (WEIR_DATA_DIR, default ./weir-data)'))
    .addOption(new Option('--database-url <url>', 'database (WEIR_DATABASE_URL, default sqlite:<data-dir>/weir.db)'))
    .addHelpText('after', '\nEvery other setting comes from the environment: see the README, "Configuration".')
    .action(async (flags: ServeFlags) => {
      process.exitCode = await serve(flags);
    });
}

function portNumber(raw: string): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) throw new InvalidArgumentError('a port is 0 to 65535.');
  return Number(raw);
}

async function serve(flags: ServeFlags): Promise<number> {
  const config = loadConfig(process.env, {
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}),
    ...(flags.databaseUrl !== undefined ? { databaseUrl: flags.databaseUrl } : {}),
  });
  // Loaded here, not at the top: the commands that only talk HTTP start without the engine and the store.
  const { startWeir } = await import('../../weir.js');
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
