import { Type } from '@sinclair/typebox';

const Iso = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

/** A version in a list (`GET /workflows/{id}/versions`, `latest_inactive_verisons`). */
export const VersionSummary = Type.Object(
  {
    id: Type.Integer({ description: 'The version id.' }),
    name: Type.String(),
    description: Type.String(),
    version: Type.String({ examples: ['0.0.2'] }),
    type: Type.Literal('Workflow::Setup'),
    status: Type.String({ enum: ['Active', 'Inactive'] }),
    calloutTrigger: Type.Boolean(),
    ondemandTrigger: Type.Boolean(),
    scheduledTrigger: Type.Boolean(),
    syncTrigger: Type.Boolean(),
    interval: Nullable(Type.String()),
    timezone: Nullable(Type.String()),
    priority: Type.String({ enum: ['High', 'Medium', 'Low'] }),
    createdAt: Iso,
    updatedAt: Iso,
  },
  { additionalProperties: true },
);

/** A workflow (definition), the reference's `WorkflowDefinition`, with its mixed casing. */
export const WorkflowObject = Type.Object(
  {
    id: Type.Integer({ description: 'The workflow (definition) id, used in trigger URLs.' }),
    name: Type.String(),
    description: Type.String(),
    ondemandTrigger: Type.Boolean(),
    calloutTrigger: Type.Boolean(),
    scheduledTrigger: Type.Boolean(),
    syncTrigger: Type.Boolean(),
    interval: Nullable(Type.String({ description: 'Cron, 6 fields (seconds first) or 5; null unless scheduled.' })),
    timezone: Nullable(Type.String({ description: 'A friendly name (`Eastern Time (US & Canada)`) or IANA.' })),
    priority: Type.String({ enum: ['High', 'Medium', 'Low'] }),
    delete_ttl: Type.Union([Type.Integer(), Type.Null()], { description: 'Days finished runs are kept.' }),
    concurrent_run_limit: Type.Union([Type.Integer(), Type.Null()], { description: '**ext**' }),
    active_scheduled_run_check: Type.Boolean({ description: 'The skip rule of scheduled runs.' }),
    status: Type.String({ enum: ['Active', 'Inactive'] }),
    createdAt: Iso,
    updatedAt: Iso,
    active_version: Type.Union([
      Type.Object({
        id: Type.Integer(),
        description: Type.String(),
        version: Type.String(),
        type: Type.Literal('Workflow::Setup'),
        status: Type.Literal('Active'),
      }),
      Type.Null(),
    ]),
    latest_inactive_verisons: Type.Optional(
      Type.Array(VersionSummary, { maxItems: 10, description: 'Spelled as the reference spells it.' }),
    ),
  },
  { additionalProperties: true },
);

/** `GET /workflows/{id}/settings` (**ext**). */
export const SettingsObject = Type.Object({
  callout_trigger: Type.Boolean(),
  sync_trigger: Type.Boolean(),
  endpoints: Type.Object({ run: Type.String(), sync: Type.String() }),
  api_token: Type.String(),
  basic_auth: Type.Object({ username: Type.String(), password: Type.String() }),
});

/** The PATCH body. Described here; validated by the handler (422 in the reference's shape). */
export const WorkflowPatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    description: Type.Optional(Type.String()),
    status: Type.Optional(Type.String({ enum: ['Active', 'Inactive'] })),
    active_workflow_version_id: Type.Optional(Type.Integer({ description: 'Makes that version the active one.' })),
    callout_trigger: Type.Optional(Type.Boolean()),
    sync_trigger: Type.Optional(Type.Boolean()),
    ondemand_trigger: Type.Optional(Type.Boolean()),
    scheduled_trigger: Type.Optional(Type.Boolean()),
    interval: Type.Optional(Nullable(Type.String())),
    timezone: Type.Optional(Nullable(Type.String())),
    priority: Type.Optional(Type.String({ enum: ['High', 'Medium', 'Low'] })),
    delete_ttl: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()])),
    concurrent_run_limit: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 100000 }), Type.Null()])),
    active_scheduled_run_check: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** PATCH's 422 answer. */
export const PatchValidationAnswer = Type.Object({
  success: Type.Literal(false),
  reasons: Type.Array(Type.Object({ fieldName: Type.String(), title: Type.String() })),
});

/** `GET /workflows/metrics.json`. */
export const UsageAnswer = Type.Object({
  metrics: Type.Array(
    Type.Object({
      date: Type.String({ format: 'date' }),
      values: Type.Object({ taskCount: Type.Integer({ minimum: 0 }) }),
    }),
  ),
});

/** The answer of an import: the workflow, with the reference's `type` and the imported `version`. */
export const ImportAnswer = Type.Composite([
  WorkflowObject,
  Type.Object({
    type: Type.Literal('Workflow::Setup'),
    version: Type.String({ description: 'The version the import created.' }),
  }),
]);
