import type { Command } from 'commander';
import { isRecord } from '../api-client.js';
import { connect, withConnection, type ConnectionFlags } from '../connection.js';
import { noteNextPage, oneOf, pageQuery, positiveInteger, printJson, printLine, printTable, text } from '../output.js';
import { finalSentence, watchRun } from '../run-watch.js';

const RUN_STATUSES = ['Queued', 'Processing', 'Pending', 'Finished', 'Stopping', 'Stopped'] as const;
const RUN_RESULTS = ['Success', 'Error'] as const;

interface ListFlags extends ConnectionFlags {
  workflow?: number;
  status?: string;
  result?: string;
  page?: number;
  pageLength?: number;
  json?: boolean;
}

/** `weir runs list|show|watch|stop`, over the management API. */
export function registerRunsCommand(program: Command): void {
  const runs = program.command('runs').description('List, show, watch and stop runs.');

  withConnection(
    runs
      .command('list')
      .description('List runs, newest first (GET /workflows/workflow_runs).')
      .option('--workflow <id>', 'only runs of this workflow', positiveInteger('--workflow'))
      .option('--status <status>', `only runs in this status (${RUN_STATUSES.join(', ')})`, oneOf(RUN_STATUSES))
      .option('--result <result>', 'only finished runs with this result (Success, Error)', oneOf(RUN_RESULTS))
      .option('--page <n>', 'page, from 1', positiveInteger('--page'))
      .option('--page-length <n>', 'runs per page (at most 100, default 20)', positiveInteger('--page-length'))
      .option('--json', 'print the API answer as JSON'),
  ).action(async (flags: ListFlags) => {
    const answer = await connect(flags).call('GET', '/workflows/workflow_runs', {
      query: { workflow_id: flags.workflow, status: flags.status, result: flags.result, ...pageQuery(flags) },
    });
    if (flags.json) return printJson(answer);
    const data = isRecord(answer) && Array.isArray(answer.data) ? answer.data : [];
    printTable(
      ['ID', 'NAME', 'WORKFLOW', 'STATUS', 'RESULT', 'MODE', 'CREATED'],
      data.map((r) => [
        text(r, 'id'),
        text(r, 'name'),
        text(r, 'originalWorkflowId'),
        text(r, 'status'),
        text(r, 'result'),
        text(r, 'mode'),
        text(r, 'createdAt'),
      ]),
      'No runs.',
    );
    noteNextPage(answer, flags.page);
  });

  withConnection(
    runs
      .command('show')
      .description('Show a run and its task instances (GET /workflows/workflow_runs/{id}, GET /workflows/tasks).')
      .argument('<id>', 'run id', positiveInteger('id'))
      .option('--json', 'print {"run": ..., "task_instances": [...]} as JSON'),
  ).action(async (id: number, flags: ConnectionFlags & { json?: boolean }) => {
    const client = connect(flags);
    const run = await client.call('GET', `/workflows/workflow_runs/${id}`);
    const page = await client.call('GET', '/workflows/tasks', { query: { workflow_id: id, page_length: 100 } });
    const instances = isRecord(page) && Array.isArray(page.data) ? page.data : [];
    if (flags.json) return printJson({ run, task_instances: instances });
    if (isRecord(run)) printLine(finalSentence(run));
    printLine(`  workflow: ${text(run, 'originalWorkflowId')}, mode: ${text(run, 'mode')}`);
    printLine(`  created: ${text(run, 'createdAt')}, finished: ${text(run, 'finishedAt')}`);
    printLine();
    printTable(
      ['TASK ID', 'NAME', 'TYPE', 'STATUS', 'ERROR'],
      instances.map((t) => [
        text(t, 'id'),
        text(t, 'name'),
        text(t, 'action_type'),
        text(t, 'status'),
        text(t, 'error'),
      ]),
      'No task instances yet.',
    );
  });

  withConnection(
    runs
      .command('watch')
      .description('Follow a run until it ends, showing progress; exit 1 when it fails or is stopped.')
      .argument('<id>', 'run id', positiveInteger('id'))
      .option('--json', 'print the final run as JSON'),
  ).action(async (id: number, flags: ConnectionFlags & { json?: boolean }) => {
    process.exitCode = await watchRun(connect(flags), id, { isJson: flags.json === true });
  });

  withConnection(
    runs
      .command('stop')
      .description('Stop a run: no new task starts (PUT /workflows/workflow_runs/{id}/stop).')
      .argument('<id>', 'run id', positiveInteger('id'))
      .option('--json', 'print the API answer as JSON'),
  ).action(async (id: number, flags: ConnectionFlags & { json?: boolean }) => {
    const run = await connect(flags).call('PUT', `/workflows/workflow_runs/${id}/stop`);
    if (flags.json) return printJson(run);
    printLine(`Run ${id} is ${text(run, 'status')}.`);
  });
}
