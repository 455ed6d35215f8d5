import { Type } from '@sinclair/typebox';

const Timestamp = Type.String({ description: '`YYYY-MM-DD HH:MM:SS UTC`', examples: ['2019-09-19 18:25:33 UTC'] });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

/** The run metadata `/run` answers (the reference's `WorkflowInstance`). */
export const RunMetadata = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String({ examples: ['WF-396-00000003'] }),
    originalWorkflowId: Type.Integer({ description: 'The workflow (definition) id.' }),
    type: Type.Literal('Workflow::Instance'),
    status: Type.String({ enum: ['Queued', 'Processing', 'Pending', 'Finished', 'Stopping', 'Stopped'] }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    runTime: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    cpuTime: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const TaskCountsSchema = Type.Object({
  total: Type.Integer(),
  queued: Type.Integer(),
  processing: Type.Integer(),
  pending: Type.Integer(),
  stopped: Type.Integer(),
  success: Type.Integer(),
  error: Type.Integer(),
});

/** `GET /workflows/workflow_runs/{id}` and the stop answer. */
export const RunDetail = Type.Object(
  {
    ...RunMetadata.properties,
    result: Type.Union([Type.Literal('Success'), Type.Literal('Error'), Type.Null()], {
      description: '**ext**: Error when a task failed unhandled.',
    }),
    mode: Type.String({ enum: ['standard', 'sync'] }),
    tasks: TaskCountsSchema,
    runTime: Type.Union([Type.Number(), Type.Null()], { description: 'Seconds, waiting included.' }),
    cpuTime: Type.String({ description: '`HH:MM:SS`' }),
    startedAt: NullableTimestamp,
    finishedAt: NullableTimestamp,
    messages: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: true },
);

export const RunSummary = Type.Object(
  {
    ...RunMetadata.properties,
    result: Type.Union([Type.String(), Type.Null()]),
    mode: Type.String(),
    runTime: Type.Union([Type.Number(), Type.Null()]),
    finishedAt: NullableTimestamp,
  },
  { additionalProperties: true },
);
