import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { NotFoundError, WeirError } from '../model/errors.js';
import { StartupError } from '../startup-errors.js';
import { WEIR_VERSION } from '../version.js';
import { registerApprovalsCommand } from './commands/approvals.js';
import { registerClientsCommand } from './commands/clients.js';
import { registerRunCommand } from './commands/run.js';
import { registerRunsCommand } from './commands/runs.js';
import { registerServeCommand } from './commands/serve.js';
import { registerTasksCommand } from './commands/tasks.js';
import { registerWorkflowsCommand } from './commands/workflows.js';
import { CliError, ExitCode } from './exit-codes.js';

/**
 * `weir`: the command line. Commander (not yargs): one small dependency-free package with typed
 * options, generated `--help` per command and environment-variable defaults, which is all this needs.
 * Every command but `serve` and `clients` talks to a running Weir over its public HTTP API.
 */
function buildProgram(): Command {
  const program = new Command('weir')
    .description('Weir: a self-hostable workflow automation engine.')
    .version(WEIR_VERSION, '-V, --version', 'print the version')
    // Errors become exit codes in one place (below) instead of process.exit inside commander.
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok; 1 the run failed or was stopped (or serve could not start); 2 wrong usage;\n' +
        '3 the server refused the request (4xx); 4 credentials refused (401/403); 5 server unreachable or 5xx.',
    );
  // Subcommands are created after exitOverride so they inherit it.
  registerServeCommand(program);
  registerClientsCommand(program);
  registerWorkflowsCommand(program);
  registerRunCommand(program);
  registerRunsCommand(program);
  registerTasksCommand(program);
  registerApprovalsCommand(program);
  return program;
}

/** Runs the command line; resolves to the exit code. */
async function main(argv: readonly string[]): Promise<number> {
  process.exitCode = undefined;
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message or the help already.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`weir: ${error.message}\n`);
      return error.exitCode;
    }
    // Expected failures print their sentence; anything else is a bug and prints its stack.
    if (error instanceof ConfigError || error instanceof WeirError) {
      process.stderr.write(`weir: ${error.message}\n`);
      return error instanceof NotFoundError ? ExitCode.Refused : ExitCode.Usage;
    }
    // Weir could not start for a reason the operator fixes (data dir or port in use, database unreachable).
    if (error instanceof StartupError) {
      process.stderr.write(`weir: ${error.message}\n`);
      return ExitCode.Usage;
    }
    process.stderr.write(`weir: ${String((error as Error)?.stack ?? error)}\n`);
    return ExitCode.Failed;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`weir: ${String(error)}\n`);
    process.exitCode = ExitCode.Failed;
  },
);
