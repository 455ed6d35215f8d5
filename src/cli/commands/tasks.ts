import type { Command } from 'commander';
import { connect, withConnection, type ConnectionFlags } from '../connection.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { readJsonFile } from '../json-file.js';
import { positiveInteger, printJson, printLine, text } from '../output.js';

/** `weir tasks rerun <id> [--data file]`: runs a task instance again with its recorded (or edited) input Data. */
export function registerTasksCommand(program: Command): void {
  const tasks = program.command('tasks').description('Work on task instances.');
  withConnection(
    tasks
      .command('rerun')
      .description(
        'Rerun a task instance (Success, Error or Stopped) with its recorded Data; the run continues from it ' +
          '(POST /workflows/tasks/{id}/rerun).',
      )
      .argument('<id>', 'task instance id', positiveInteger('id'))
      .option(
        '--data <file>',
        'rerun with the input Data in this JSON file ("-" for stdin) instead of the recorded one; the new ' +
          "instance's log names your client and the changed paths",
      )
      .option('--json', 'print the new task instance as JSON'),
  ).action(async (id: number, flags: ConnectionFlags & { json?: boolean; data?: string }) => {
    let body: { data: unknown } | undefined;
    if (flags.data !== undefined) {
      const data = await readJsonFile(flags.data);
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        throw new CliError(`${flags.data} must hold a JSON object (the task's input Data).`, ExitCode.Usage);
      }
      body = { data };
    }
    const instance = await connect(flags).call('POST', `/workflows/tasks/${id}/rerun`, body ? { body } : {});
    if (flags.json) return printJson(instance);
    printLine(
      `Task ${id} rerun as task ${text(instance, 'id')} (${text(instance, 'status')}) in run ${text(instance, 'workflow_id')}.`,
    );
  });
}
