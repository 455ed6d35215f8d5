import type { FastifyReply } from 'fastify';
import type { RunAnswer } from '../management/run-requests.js';
import { envelope } from './errors.js';
import { runMetadata, runMetadataWithTimes } from './presenters.js';

/** Sends a run request's outcome with the status the contract gives it (api.md, responsive mode table). */
export function sendRunAnswer(
  reply: FastifyReply,
  answer: RunAnswer,
  options: { syncTimeoutSeconds: number; now: number },
) {
  switch (answer.kind) {
    case 'queued':
      return reply.code(200).send(runMetadata(answer.run));
    case 'queued-not-responsive':
      return reply.code(211).send(runMetadataWithTimes(answer.run, options.now));
    case 'queued-over-limit':
      return reply.code(212).send(runMetadataWithTimes(answer.run, options.now));
    case 'timeout':
      return reply
        .code(408)
        .header('location', `/workflows/workflow_runs/${answer.run.id}`)
        .send({
          ...envelope([
            {
              status: 408,
              code: 'timeout',
              title: `The workflow did not finish within ${options.syncTimeoutSeconds} seconds; it goes on in standard mode.`,
            },
          ]),
          run: runMetadata(answer.run),
        });
    case 'final': {
      const { run } = answer;
      // An unhandled task failure outranks a response task that still ran on another branch.
      if (run.response && run.errorClass === null) {
        // The body is JSON whatever its type (a formatter may answer a bare string).
        return reply
          .code(run.response.code)
          .type('application/json; charset=utf-8')
          .send(JSON.stringify(run.response.body));
      }
      const isStopped = run.status === 'Stopped';
      return reply.code(403).send({
        error_class: run.errorClass ?? (isStopped ? 'WorkflowError::Stopped' : 'WorkflowError::Unknown'),
        message: run.errorMessage ?? (isStopped ? 'The run was stopped.' : 'The run ended without an answer.'),
        run: runMetadata(run),
      });
    }
  }
}
