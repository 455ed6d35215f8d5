import { Type } from '@sinclair/typebox';
import { RunMode } from '../../model/records.js';
import { RunResult, RunStatus } from '../../model/statuses.js';
import { ListQuery, PageQuery } from './common.js';

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
    runUser: Type.String({
      description:
        '**ext**: who triggered it: the OAuth client, the trigger credentials, the scheduler or the parent run.',
    }),
    priority: Type.String({ enum: ['High', 'Medium', 'Low'], description: '**ext**' }),
    inputs: Type.Record(Type.String(), Type.Unknown(), {
      description: '**ext**: the declared inputs as the run received them, `{object_name: {field_name: value}}`.',
    }),
    idempotencyKey: Type.Union([Type.String(), Type.Null()], {
      description: '**ext**: the `Idempotency-Key` of the trigger request, if any.',
    }),
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
    runUser: Type.String({ description: '**ext**: who triggered it.' }),
    runTime: Type.Union([Type.Number(), Type.Null()]),
    finishedAt: NullableTimestamp,
  },
  { additionalProperties: true },
);

const TimeQuery = (description: string) =>
  Type.Optional(
    Type.String({
      description: `${description} ISO 8601 (\`2026-12-01\`, \`2026-12-01T08:00:00Z\`) or \`YYYY-MM-DD HH:MM:SS UTC\`; without a zone, UTC.`,
      examples: ['2026-12-01T08:00:00Z'],
    }),
  );

/** The filters of `GET /workflows/workflow_runs` (**ext**); all given must match. */
export const RunListQuery = ListQuery({
  workflow_id: Type.Optional(Type.String({ description: 'Only runs of this workflow.' })),
  status: Type.Optional(
    Type.String({
      enum: Object.values(RunStatus),
      description: 'Only runs in this status.',
    }),
  ),
  result: Type.Optional(
    Type.String({ enum: Object.values(RunResult), description: 'Only finished runs with this result.' }),
  ),
  mode: Type.Optional(
    Type.String({
      enum: Object.values(RunMode),
      description: 'Only runs triggered in this mode (`sync`: responsive).',
    }),
  ),
  created_after: TimeQuery('Only runs created at or after this time.'),
  created_before: TimeQuery('Only runs created before this time.'),
  input: Type.Optional(
    Type.String({
      maxLength: 200,
      description: 'Only runs whose inputs contain this text (in a field name or value; ASCII case ignored).',
    }),
  ),
  ...PageQuery,
});
