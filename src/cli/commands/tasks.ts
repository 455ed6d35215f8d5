import type { Command } from 'commander';
import { connect, withConnection, type ConnectionFlags } from '../connection.js';
import { positiveInteger, printJson, printLine, text } from '../output.js';

/** `weir tasks rerun <id>`: runs a task instance again with its recorded input Data. */
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
      .option('--json', 'print the new task instance as JSON'),
  ).action(async (id: number, flags: ConnectionFlags & { json?: boolean }) => {
    const instance = await connect(flags).call('POST', `/workflows/tasks/${id}/rerun`);
    if (flags.json) return printJson(instance);
    printLine(
      `Task ${id} rerun as task ${text(instance, 'id')} (${text(instance, 'status')}) in run ${text(instance, 'workflow_id')}.`,
    );
  });
}
