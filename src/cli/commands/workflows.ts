import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { isRecord } from '../api-client.js';
import { connect, withConnection, type ConnectionFlags } from '../connection.js';
import { readJsonFile } from '../json-file.js';
import { noteNextPage, pageQuery, positiveInteger, printJson, printLine, printTable, text } from '../output.js';

interface ListFlags extends ConnectionFlags {
  name?: string;
  page?: number;
  pageLength?: number;
  json?: boolean;
}

/** The triggers a workflow object has on, as one word list (`callout sync`). */
function triggers(workflow: unknown): string {
  if (!isRecord(workflow)) return '-';
  const on = [
    ['calloutTrigger', 'callout'],
    ['syncTrigger', 'sync'],
    ['ondemandTrigger', 'ondemand'],
    ['scheduledTrigger', 'scheduled'],
  ]
    .filter(([key]) => workflow[key as string] === true)
    .map(([, word]) => word);
  return on.length > 0 ? on.join(',') : '-';
}

function activeVersion(workflow: unknown): string {
  return isRecord(workflow) ? text(workflow.active_version, 'version') : '-';
}

/** A workflow as the few lines a person reads. */
function printWorkflow(workflow: unknown): void {
  printLine(`Workflow ${text(workflow, 'id')}: ${text(workflow, 'name')}`);
  printLine(`  status:         ${text(workflow, 'status')}`);
  printLine(`  active version: ${activeVersion(workflow)}`);
  printLine(`  triggers on:    ${triggers(workflow)}`);
  printLine(`  priority:       ${text(workflow, 'priority')}`);
  if (isRecord(workflow) && workflow.scheduledTrigger === true) {
    printLine(`  schedule:       ${text(workflow, 'interval')} (${text(workflow, 'timezone')})`);
  }
  printLine(`  updated:        ${text(workflow, 'updatedAt')}`);
}

/** `weir workflows list|show|import|export|activate|deactivate|delete`, over the management API. */
export function registerWorkflowsCommand(program: Command): void {
  const workflows = program
    .command('workflows')
    .description('List, show, import, export, activate, deactivate and delete workflows.');

  withConnection(
    workflows
      .command('list')
      .description('List workflows (GET /workflows).')
      .option('--name <text>', 'only workflows whose name contains this')
      .option('--page <n>', 'page, from 1', positiveInteger('--page'))
      .option('--page-length <n>', 'workflows per page (at most 50, default 20)', positiveInteger('--page-length'))
      .option('--json', 'print the API answer as JSON'),
  ).action(async (flags: ListFlags) => {
    const answer = await connect(flags).call('GET', '/workflows', { query: { name: flags.name, ...pageQuery(flags) } });
    if (flags.json) return printJson(answer);
    const data = isRecord(answer) && Array.isArray(answer.data) ? answer.data : [];
    printTable(
      ['ID', 'NAME', 'STATUS', 'VERSION', 'TRIGGERS'],
      data.map((w) => [text(w, 'id'), text(w, 'name'), text(w, 'status'), activeVersion(w), triggers(w)]),
      'No workflows.',
    );
    noteNextPage(answer, flags.page);
  });

  withConnection(
    workflows
      .command('show')
      .description('Show a workflow (GET /workflows/{id}).')
      .argument('<id>', 'workflow id', positiveInteger('id'))
      .option('--json', 'print the API answer as JSON'),
  ).action(async (id: number, flags: ConnectionFlags & { json?: boolean }) => {
    const answer = await connect(flags).call('GET', `/workflows/${id}`);
    if (flags.json) return printJson(answer);
    printWorkflow(answer);
  });

  withConnection(
    workflows
      .command('import')
      .description('Import a workflow file {workflow, tasks, linkages} as a new workflow (POST /workflows/import).')
      .argument('<file>', 'the export document (JSON); - reads stdin')
      .option('--activate', 'make the imported version active')
      .option('--json', 'print the API answer as JSON'),
  ).action(async (file: string, flags: ConnectionFlags & { activate?: boolean; json?: boolean }) => {
    const document = await readJsonFile(file);
    const answer = await connect(flags).call('POST', '/workflows/import', {
      query: { activate: flags.activate ? 'true' : undefined },
      body: document,
    });
    if (flags.json) return printJson(answer);
    printLine(
      `Imported workflow ${text(answer, 'id')}: ${text(answer, 'name')} (${text(answer, 'status')}, ` +
        `active version ${activeVersion(answer)})`,
    );
  });

  withConnection(
    workflows
      .command('export')
      .description('Print a workflow version as an import document (GET /workflows/{id}/export).')
      .argument('<id>', 'workflow id', positiveInteger('id'))
      .option('--version <version>', 'a version number such as 0.0.2, or latest (default: the active version)')
      .option('-o, --output <file>', 'write to this file instead of stdout'),
  ).action(async (id: number, flags: ConnectionFlags & { version?: string; output?: string }) => {
    const answer = await connect(flags).call('GET', `/workflows/${id}/export`, { query: { version: flags.version } });
    const json = `${JSON.stringify(answer, null, 2)}\n`;
    if (flags.output === undefined) process.stdout.write(json);
    else await writeFile(flags.output, json);
  });

  withConnection(
    workflows
      .command('activate')
      .description('Make a workflow Active (PATCH /workflows/{id}); optionally switch triggers on.')
      .argument('<id>', 'workflow id', positiveInteger('id'))
      .option('--version-id <id>', 'make this version (its id) the active one', positiveInteger('--version-id'))
      .option('--callout-trigger', 'also switch the callout trigger on (needed to run it over HTTP or `weir run`)')
      .option('--sync-trigger', 'also switch responsive mode on (`/sync`, `weir run --sync`)')
      .option('--json', 'print the API answer as JSON'),
  ).action(
    async (
      id: number,
      flags: ConnectionFlags & { versionId?: number; calloutTrigger?: boolean; syncTrigger?: boolean; json?: boolean },
    ) => {
      const answer = await connect(flags).call('PATCH', `/workflows/${id}`, {
        body: {
          status: 'Active',
          ...(flags.versionId !== undefined ? { active_workflow_version_id: flags.versionId } : {}),
          ...(flags.calloutTrigger ? { callout_trigger: true } : {}),
          ...(flags.syncTrigger ? { sync_trigger: true } : {}),
        },
      });
      if (flags.json) return printJson(answer);
      printLine(`Workflow ${id} is ${text(answer, 'status')}; triggers on: ${triggers(answer)}.`);
    },
  );

  withConnection(
    workflows
      .command('deactivate')
      .description('Make a workflow Inactive (PATCH /workflows/{id}): its triggers refuse new runs.')
      .argument('<id>', 'workflow id', positiveInteger('id'))
      .option('--json', 'print the API answer as JSON'),
  ).action(async (id: number, flags: ConnectionFlags & { json?: boolean }) => {
    const answer = await connect(flags).call('PATCH', `/workflows/${id}`, { body: { status: 'Inactive' } });
    if (flags.json) return printJson(answer);
    printLine(`Workflow ${id} is ${text(answer, 'status')}.`);
  });

  withConnection(
    workflows
      .command('delete')
      .description('Delete a workflow (DELETE /workflows/{id}).')
      .argument('<id>', 'workflow id', positiveInteger('id'))
      .option('--json', 'print the API answer as JSON'),
  ).action(async (id: number, flags: ConnectionFlags & { json?: boolean }) => {
    const answer = await connect(flags).call('DELETE', `/workflows/${id}`);
    if (flags.json) return printJson(answer);
    printLine(`Deleted workflow ${id}.`);
  });
}
