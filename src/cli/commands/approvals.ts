import type { Command } from 'commander';
import { connect, withConnection, type ConnectionFlags } from '../connection.js';
import { positiveInteger, printJson, printLine } from '../output.js';

/** `weir approvals approve|reject <id>`: decides an Approval task instance that is waiting. */
export function registerApprovalsCommand(program: Command): void {
  const approvals = program.command('approvals').description('Approve or reject a waiting Approval task.');
  for (const action of ['approve', 'reject'] as const) {
    withConnection(
      approvals
        .command(action)
        .description(
          `${action === 'approve' ? 'Approve' : 'Reject'} a pending Approval task instance; the run goes on on its ` +
            `${action === 'approve' ? 'Approve' : 'Reject'} hook (POST /workflows/tasks/{id}/${action}).`,
        )
        .argument('<id>', 'task instance id', positiveInteger('id'))
        .option('--comment <text>', 'a comment kept with the decision')
        .option('--json', 'print the task instance as JSON'),
    ).action(async (id: number, flags: ConnectionFlags & { comment?: string; json?: boolean }) => {
      const instance = await connect(flags).call('POST', `/workflows/tasks/${id}/${action}`, {
        body: flags.comment !== undefined ? { comment: flags.comment } : {},
      });
      if (flags.json) return printJson(instance);
      const [done, hook] = action === 'approve' ? ['approved', 'Approve'] : ['rejected', 'Reject'];
      printLine(`Task ${id} ${done}; the run goes on from its ${hook} hook.`);
    });
  }
}
