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
  await untilStopped(weir.close.bind(weir), config.shutdownGraceSeconds);
  return 0;
}

/** Extra time the process allows itself past the grace before it exits whatever is left. */
const EXIT_MARGIN_MS = 5_000;
const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGINT: 2, SIGTERM: 15 };

/**
 * Resolves once a SIGTERM or SIGINT has been handled by a graceful `close`. A second signal exits at
 * once (code 128 + the signal's number, as a shell reports it); a shutdown still running at grace + 5 s
 * is cut there (code 1), so a supervisor's own kill timer never has to.
 */
function untilStopped(close: () => Promise<void>, graceSeconds: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let isStopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (isStopping) {
        process.stderr.write(`weir: ${signal} again: exiting at once, without finishing the shutdown\n`);
        process.exit(128 + (SIGNAL_NUMBERS[signal] ?? 0));
      }
      isStopping = true;
      process.stderr.write(`weir: ${signal}: shutting down (grace ${graceSeconds} s; send it again to exit at once)\n`);
      setTimeout(
        () => {
          process.stderr.write(`weir: the shutdown did not end within ${graceSeconds} s + 5 s; exiting\n`);
          process.exit(1);
        },
        graceSeconds * 1000 + EXIT_MARGIN_MS,
      ).unref();
      close().then(resolve, (error: unknown) => {
        process.stderr.write(`weir: shutdown failed: ${String(error)}\n`);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
