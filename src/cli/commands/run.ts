import { InvalidArgumentError, Option, type Command } from 'commander';
import { isRecord, ApiError, describeError, type WeirApiClient } from '../api-client.js';
import { connect, withConnection, type ConnectionFlags } from '../connection.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { positiveInteger, printJson, printLine, printNote, text } from '../output.js';
import { watchRun } from '../run-watch.js';

interface RunFlags extends ConnectionFlags {
  input: Record<string, string>;
  sync?: boolean;
  wait?: boolean;
  apiToken?: string;
  json?: boolean;
}

/** Commander collector of repeated `--input name=value`. */
function collectInput(raw: string, inputs: Record<string, string>): Record<string, string> {
  const at = raw.indexOf('=');
  if (at < 1) throw new InvalidArgumentError(`"${raw}" is not name=value.`);
  return { ...inputs, [raw.slice(0, at)]: raw.slice(at + 1) };
}

/**
 * `weir run <id>`: starts a run of a workflow. Standard mode through the management API
 * (`POST /workflows/{id}/run`, bearer token with workflow:run); `--sync` through the trigger API
 * (`POST /api/v1/workflows/{id}/sync` with the workflow's API token, read from its settings unless
 * `--api-token` gives it). `--wait` follows the run to its end and exits 1 when it fails.
 */
export function registerRunCommand(program: Command): void {
  withConnection(
    program
      .command('run')
      .description('Run a workflow: standard mode (queued), or --sync (responsive: waits for the answer).')
      .argument('<id>', 'workflow id', positiveInteger('id'))
      .addOption(
        new Option(
          '-i, --input <name=value>',
          'an input parameter (repeatable); values are text, coerced by the workflow',
        )
          .argParser(collectInput)
          .default({}, 'none'),
      )
      .option('--sync', "responsive mode: call /sync and print the workflow's answer")
      .option('--wait', 'wait for the run to finish, showing progress; exit 1 when it fails')
      .option(
        '--api-token <token>',
        "with --sync: the workflow's trigger API token (default: read from its settings, needs workflow:manage)",
      )
      .option('--json', 'print the answer (and with --wait the final run) as JSON'),
  ).action(async (id: number, flags: RunFlags) => {
    const client = connect(flags, flags.sync ? 10 * 60_000 : undefined);
    process.exitCode = flags.sync ? await runSync(client, id, flags) : await runStandard(client, id, flags);
  });
}

async function runStandard(client: WeirApiClient, id: number, flags: RunFlags): Promise<ExitCode> {
  const run = await client.call('POST', `/workflows/${id}/run`, { body: flags.input });
  if (!isRecord(run) || typeof run.id !== 'number') throw new Error('POST /workflows/{id}/run answered no run');
  if (!flags.wait) {
    if (flags.json) printJson(run);
    else printLine(`Run ${run.id} (${text(run, 'name')}) ${text(run, 'status')}.`);
    return ExitCode.Ok;
  }
  printNote(
    `Run ${run.id} (${text(run, 'name')}) started; waiting for it to finish (Ctrl-C stops waiting, not the run).`,
  );
  return watchRun(client, run.id, { isJson: flags.json === true });
}

/**
 * The `/sync` answer: 2xx is the workflow's answer (printed as it came); 211/212 queued and 408 not
 * finished in time (with `--wait`, followed to the end); 403 a task failed unhandled (exit 1).
 */
async function runSync(client: WeirApiClient, id: number, flags: RunFlags): Promise<ExitCode> {
  const apiToken = flags.apiToken ?? (await triggerToken(client, id));
  const answer = await client.send('POST', `/api/v1/workflows/${id}/sync`, {
    body: flags.input,
    headers: { 'API-Token': apiToken },
    isAuthenticated: false,
  });
  const body = answer.body;
  const queuedRun = runOf(answer.status, body);
  if (queuedRun !== undefined) {
    const why =
      answer.status === 408
        ? 'did not finish within the responsive timeout; it goes on in standard mode'
        : answer.status === 211
          ? 'holds a task that cannot run responsively; it was queued in standard mode'
          : 'met the responsive concurrency limit; it was queued in standard mode';
    printNote(`Run ${queuedRun} ${why} (HTTP ${answer.status}).`);
    if (flags.wait) return watchRun(client, queuedRun, { isJson: flags.json === true });
    if (flags.json) printJson(body);
    else printNote(`Follow it with: weir runs watch ${queuedRun}`);
    return ExitCode.Ok;
  }
  if (answer.status === 403 && isRecord(body) && typeof body.error_class === 'string') {
    if (flags.json) printJson(body);
    else {
      printLine(`Run ${text(body.run, 'id')} failed: ${body.error_class}: ${text(body, 'message')}`);
    }
    return ExitCode.Failed;
  }
  if (isErrorEnvelope(body) || answer.status === 401) {
    throw new ApiError(answer.status, body, `POST /api/v1/workflows/${id}/sync`);
  }
  // The workflow's own answer: the last Data, or a response task's output with its code.
  if (flags.json || typeof body !== 'string') printJson(body);
  else printLine(body);
  if (answer.status !== 200) printNote(`(HTTP ${answer.status})`);
  return ExitCode.Ok;
}

/** The run id of a 211/212/408 answer (queued, or still going). */
function runOf(status: number, body: unknown): number | undefined {
  if (status === 211 || status === 212) return isRecord(body) && typeof body.id === 'number' ? body.id : undefined;
  if (status === 408 && isRecord(body) && isRecord(body.run) && typeof body.run.id === 'number') return body.run.id;
  return undefined;
}

function isErrorEnvelope(body: unknown): boolean {
  return (
    isRecord(body) && Array.isArray(body.errors) && Object.keys(body).every((k) => k === 'errors' || k === 'parameters')
  );
}

/** The workflow's trigger API token, from `GET /workflows/{id}/settings`. */
async function triggerToken(client: WeirApiClient, id: number): Promise<string> {
  const settings = await client.call('GET', `/workflows/${id}/settings`);
  if (!isRecord(settings) || typeof settings.api_token !== 'string') {
    throw new CliError(
      `GET /workflows/${id}/settings: ${describeError(200, settings)} (no api_token)`,
      ExitCode.Unavailable,
    );
  }
  return settings.api_token;
}
