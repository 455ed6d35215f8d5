import { ConfigError } from '../config.js';
import { WeirError } from '../model/errors.js';
import { StartupError } from '../startup-errors.js';
import { runClientsCommand } from './commands/clients.js';
import { runServeCommand } from './commands/serve.js';

const USAGE = `Usage: weir <command> [options]

Commands:
  serve                       Start Weir (HTTP API, trigger endpoints, engine).
      --port N                Port (WEIR_PORT, default 8080)
      --host H                Address (WEIR_HOST, default 127.0.0.1)
      --data-dir DIR          Data directory (WEIR_DATA_DIR, default ./weir-data)
      --database-url URL      Database (WEIR_DATABASE_URL, default sqlite:<data-dir>/weir.db)
  clients create --name N [--scopes "workflow:view workflow:manage workflow:run"]
                              Create an OAuth client; prints its id and secret (shown once).
  clients list                List OAuth clients.
  clients revoke <client_id>  Revoke a client; its tokens stop working at once.
  help                        Show this help.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return runServeCommand(rest);
    case 'clients':
      return runClientsCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`weir: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
  },
  (error: unknown) => {
    // Expected failures print their sentence; anything else is a bug and prints its stack.
    const isExpected =
      error instanceof ConfigError ||
      error instanceof WeirError ||
      error instanceof StartupError ||
      (error as { code?: string })?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
    const message = isExpected ? (error as Error).message : String((error as Error)?.stack ?? error);
    process.stderr.write(`weir: ${message}\n`);
    process.exitCode = isExpected ? 2 : 1;
  },
);
