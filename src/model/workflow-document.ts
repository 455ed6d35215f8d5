import { Type, type Static } from '@sinclair/typebox';

/**
 * The workflow file: the reference's export document `{workflow, tasks, linkages}`.
 * Validated at the trust boundary (import, create); behind it the types are trusted.
 * Unknown keys are kept (the reference's exports carry many), so export gives them back.
 */

/** Booleans inside a file may arrive as the strings "true"/"false", as the reference writes them. */
const FlexibleBoolean = Type.Union([Type.Boolean(), Type.Literal('true'), Type.Literal('false'), Type.Null()]);

export const Datatype = {
  Text: 'Text',
  Integer: 'Integer',
  Decimal: 'Decimal',
  Boolean: 'Boolean',
  Date: 'Date',
  DateTimeLocal: 'DateTime-Local',
  JSON: 'JSON',
} as const;
export type Datatype = (typeof Datatype)[keyof typeof Datatype];

export const InputFieldSchema = Type.Object(
  {
    callout_id: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    object_name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
    field_name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
    datatype: Type.Union(Object.values(Datatype).map((d) => Type.Literal(d))),
    required: Type.Optional(FlexibleBoolean),
    default: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);
export type InputField = Static<typeof InputFieldSchema>;

export const Priority = { High: 'High', Medium: 'Medium', Low: 'Low' } as const;
export type Priority = (typeof Priority)[keyof typeof Priority];

export const WorkflowSettingsSchema = Type.Object(
  {
    id: Type.Optional(Type.Union([Type.Integer(), Type.String(), Type.Null()])),
    name: Type.String({ minLength: 1, maxLength: 255 }),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 65535 }), Type.Null()])),
    version: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    ondemand_trigger: Type.Optional(FlexibleBoolean),
    callout_trigger: Type.Optional(FlexibleBoolean),
    scheduled_trigger: Type.Optional(FlexibleBoolean),
    sync_trigger: Type.Optional(FlexibleBoolean),
    interval: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    timezone: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    priority: Type.Optional(
      Type.Union([Type.Literal('High'), Type.Literal('Medium'), Type.Literal('Low'), Type.Null()]),
    ),
    delete_ttl: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()])),
    /** **ext**: runs of the workflow in flight at once; the rest stay `Queued`. */
    concurrent_run_limit: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 100000 }), Type.Null()])),
    /** The reference's "Active Scheduled Run Check": false lets scheduled runs overlap. */
    active_scheduled_run_check: Type.Optional(FlexibleBoolean),
    parameters: Type.Optional(
      Type.Union([
        Type.Object(
          { fields: Type.Optional(Type.Array(InputFieldSchema, { maxItems: 500 })) },
          { additionalProperties: true },
        ),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: true },
);
export type WorkflowSettings = Static<typeof WorkflowSettingsSchema>;

const FileId = Type.Union([Type.Integer(), Type.String({ minLength: 1, maxLength: 64 })]);

export const TaskDefinitionSchema = Type.Object(
  {
    id: FileId,
    name: Type.String({ minLength: 1, maxLength: 255 }),
    action_type: Type.String({ minLength: 1, maxLength: 255 }),
    parameters: Type.Record(Type.String(), Type.Unknown()),
    tags: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
    concurrent_limit: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 9999999 }), Type.Null()])),
    css: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
    /** The object a task works on, where the reference exports it (an Iterate's array or file holder). */
    object: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    object_id: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Number(), Type.Null()])),
    call_type: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    /** The reference's task priority (`High`, `Medium`, `Low`); kept and shown, not used to order work. */
    priority: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    /** The task's parent task, a file-local id like `id` (remapped with it on import). */
    task_id: Type.Optional(Type.Union([FileId, Type.Null()])),
  },
  { additionalProperties: true },
);
export type TaskDefinition = Static<typeof TaskDefinitionSchema>;

export const LinkageSchema = Type.Object(
  {
    source_workflow_id: Type.Optional(Type.Union([FileId, Type.Null()])),
    source_task_id: Type.Union([FileId, Type.Null()]),
    target_task_id: FileId,
    linkage_type: Type.String({ minLength: 1, maxLength: 255 }),
  },
  { additionalProperties: true },
);
export type Linkage = Static<typeof LinkageSchema>;

export const WorkflowDocumentSchema = Type.Object(
  {
    workflow: WorkflowSettingsSchema,
    tasks: Type.Array(TaskDefinitionSchema, { minItems: 1, maxItems: 2000 }),
    linkages: Type.Array(LinkageSchema, { minItems: 1, maxItems: 10000 }),
  },
  { additionalProperties: true },
);
export type WorkflowDocument = Static<typeof WorkflowDocumentSchema>;

/** Reads a file boolean: `true`, `"true"` (any case) are true; everything else is false. */
export function flag(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
}

/** Like `flag`, but absent values take `fallback`. */
export function flagOr(value: unknown, fallback: boolean): boolean {
  return value === undefined || value === null || value === '' ? fallback : flag(value);
}
