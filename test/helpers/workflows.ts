import type { InputField, Linkage, TaskDefinition, WorkflowDocument } from '../../src/model/workflow-document.js';

/**
 * Builders for workflow documents (the reference's export format, see shared/contract/workflow-format.md).
 * Task parameters are written as the reference's exports write them: booleans and numbers as strings.
 * Task ids are local to the file (Weir remaps them on import).
 */

let sequence = 0;
/** A workflow name unique in this test process. */
export function uniqueName(prefix: string): string {
  sequence += 1;
  return `${prefix} ${process.pid}-${sequence}`;
}

export interface DocumentOptions {
  name?: string;
  tasks: TaskDefinition[];
  linkages: Linkage[];
  fields?: InputField[];
  /** Default true. */
  calloutTrigger?: boolean;
  /** Default true. */
  syncTrigger?: boolean;
  version?: string;
}

/** A whole document around tasks and linkages. */
export function workflowDocument(options: DocumentOptions): WorkflowDocument {
  return {
    workflow: {
      name: options.name ?? uniqueName('test workflow'),
      description: 'built by the integration tests',
      version: options.version ?? '0.0.1',
      ondemand_trigger: true,
      callout_trigger: options.calloutTrigger ?? true,
      scheduled_trigger: false,
      sync_trigger: options.syncTrigger ?? true,
      interval: null,
      timezone: null,
      priority: 'Medium',
      delete_ttl: 60,
      parameters: { fields: options.fields ?? [] },
    },
    tasks: options.tasks,
    linkages: options.linkages,
  };
}

/** The entry linkage. */
export function start(taskId: number): Linkage {
  return { source_workflow_id: 1, source_task_id: null, target_task_id: taskId, linkage_type: 'Start' };
}

/** A linkage fired by `hook` of `source`. */
export function link(source: number, target: number, hook = 'Success'): Linkage {
  return { source_workflow_id: 1, source_task_id: source, target_task_id: target, linkage_type: hook };
}

function taskDefinition(
  id: number,
  name: string,
  actionType: string,
  parameters: Record<string, unknown>,
): TaskDefinition {
  return {
    id,
    name,
    action_type: actionType,
    parameters,
    tags: [],
    concurrent_limit: 9999999,
    css: { top: `${40 + id * 120}px`, left: '40px' },
  };
}

export interface CalloutOptions {
  url: string;
  /** Default POST. */
  method?: string;
  /** Liquid; default a small JSON object naming the execution date. `null` sends no body. */
  rawBody?: string | null;
  headers?: { key: string; value: string }[];
  /** Accepted response codes; default ["200"]. */
  statusCodes?: string[];
  retry?: { count: number; windowMinutes: number };
  timeoutSeconds?: number;
}

export const task = {
  callout(id: number, name: string, options: CalloutOptions): TaskDefinition {
    const hasBody = options.rawBody !== null;
    const parameters: Record<string, unknown> = {
      url: options.url,
      method: options.method ?? 'POST',
      body_type: hasBody ? 'raw' : 'none',
      raw_body: hasBody ? (options.rawBody ?? '{"executionDate": "{{ Data.Workflow.ExecutionDate }}"}') : '',
      headers: options.headers ?? (hasBody ? [{ key: 'Content-Type', value: 'application/json' }] : []),
      authorization: { type: 'none' },
      validation: { status_codes: options.statusCodes ?? ['200'] },
      retry_rules: {
        retry_count: String(options.retry?.count ?? 0),
        retry_window: String(options.retry?.windowMinutes ?? 0),
      },
      include_response_code: 'true',
      strict_variables: 'true',
    };
    if (options.timeoutSeconds !== undefined) parameters.timeout = String(options.timeoutSeconds);
    return taskDefinition(id, name, 'Callout', parameters);
  },

  responseFormatter(
    id: number,
    name: string,
    options: {
      template: string;
      code?: number;
      processor?: 'Liquid' | 'JSONata';
      parentWorkflowStatus?: 'Success' | 'Error';
    },
  ): TaskDefinition {
    return taskDefinition(id, name, 'Logic::ResponseFormatter', {
      processor: options.processor ?? 'Liquid',
      template: options.template,
      code: String(options.code ?? 200),
      parent_workflow_status: options.parentWorkflowStatus ?? 'Success',
      strict_variables: 'true',
    });
  },

  liquid(id: number, name: string, code: string): TaskDefinition {
    return taskDefinition(id, name, 'Logic::Liquid', { code, strict_variables: 'true' });
  },

  delay(id: number, name: string, seconds: number): TaskDefinition {
    return taskDefinition(id, name, 'Delay', { delay_time: String(seconds) });
  },

  ifTask(id: number, name: string, ifClause: string): TaskDefinition {
    return taskDefinition(id, name, 'If', { if_clause: ifClause, strict_variables: 'true' });
  },

  /** Any action type, for documents Weir must reject. */
  raw(id: number, name: string, actionType: string, parameters: Record<string, unknown> = {}): TaskDefinition {
    return taskDefinition(id, name, actionType, parameters);
  },
};

/** Start → one Callout. */
export function oneCalloutWorkflow(
  options: CalloutOptions & { name?: string; fields?: InputField[] },
): WorkflowDocument {
  return workflowDocument({
    name: options.name,
    fields: options.fields,
    tasks: [task.callout(1, 'Call the target', options)],
    linkages: [start(1)],
  });
}

/**
 * Start → (optional Logic::Liquid) → Logic::ResponseFormatter. The formatter renders `template` and
 * answers `/sync` with `code`.
 */
export function responseFormatterWorkflow(options: {
  template: string;
  code?: number;
  processor?: 'Liquid' | 'JSONata';
  liquidCode?: string;
  fields?: InputField[];
  name?: string;
  calloutTrigger?: boolean;
  syncTrigger?: boolean;
}): WorkflowDocument {
  const formatter = task.responseFormatter(2, 'Answer', options);
  const settings = {
    name: options.name,
    fields: options.fields,
    calloutTrigger: options.calloutTrigger,
    syncTrigger: options.syncTrigger,
  };
  if (options.liquidCode === undefined) {
    return workflowDocument({ ...settings, tasks: [formatter], linkages: [start(2)] });
  }
  return workflowDocument({
    ...settings,
    tasks: [task.liquid(1, 'Compute', options.liquidCode), formatter],
    linkages: [start(1), link(1, 2)],
  });
}

/** The template of the failure branch's formatter: it shows what the branch saw. */
export const FAILURE_BRANCH_TEMPLATE = '{"handled": true, "previous": {{ Data.Tasks.Previous | to_json }}}';

/**
 * Start → Callout that the target fails (it must answer outside `statusCodes`). With `hasFailureBranch`,
 * the callout's Failure hook leads to a ResponseFormatter rendering `FAILURE_BRANCH_TEMPLATE` with `code`.
 */
export function failingCalloutWorkflow(options: {
  url: string;
  hasFailureBranch: boolean;
  code?: number;
}): WorkflowDocument {
  const callout = task.callout(1, 'Call a failing target', { url: options.url });
  if (!options.hasFailureBranch) return workflowDocument({ tasks: [callout], linkages: [start(1)] });
  return workflowDocument({
    tasks: [
      callout,
      task.responseFormatter(2, 'Report the failure', { template: FAILURE_BRANCH_TEMPLATE, code: options.code ?? 200 }),
    ],
    linkages: [start(1), link(1, 2, 'Failure')],
  });
}

/** Start → Delay (`seconds`) → Logic::Liquid. Cannot run responsively (`/sync` answers 211). */
export function delayWorkflow(options: { seconds: number }): WorkflowDocument {
  return workflowDocument({
    tasks: [
      task.delay(1, 'Wait', options.seconds),
      task.liquid(2, 'After the delay', '{% assign after_delay = "yes" %}'),
    ],
    linkages: [start(1), link(1, 2)],
  });
}

/** Start → Logic::Liquid → (Success) → two Callouts in parallel. */
export function parallelCalloutsWorkflow(options: { urlB: string; urlC: string }): WorkflowDocument {
  return workflowDocument({
    tasks: [
      task.liquid(1, 'Fan out', '{% assign fan = "out" %}'),
      task.callout(2, 'Branch B', { url: options.urlB }),
      task.callout(3, 'Branch C', { url: options.urlC }),
    ],
    linkages: [start(1), link(1, 2), link(1, 3)],
  });
}

/** The template that answers with the run's `Data.Workflow` (seeds and inputs placed there). */
export const ECHO_WORKFLOW_DATA_TEMPLATE = '{{ Data.Workflow | to_json }}';

function field(name: string, datatype: InputField['datatype'], extra: Partial<InputField> = {}): InputField {
  return { callout_id: name, object_name: 'Workflow', field_name: name, datatype, required: false, ...extra };
}

/**
 * Inputs of every datatype, all optional, placed at `Data.Workflow.<field_name>`, answered back by a
 * ResponseFormatter (`ECHO_WORKFLOW_DATA_TEMPLATE`):
 * `text` Text, `int` Integer, `dec` Decimal, `bool` Boolean, `date` Date, `dt` DateTime-Local, `json` JSON,
 * `withDefault` Integer with default "42", `flagDefault` Boolean with default "true",
 * and `externalName` (callout_id) → `internalName` (field_name) Text.
 */
export function everyDatatypeInputsWorkflow(): WorkflowDocument {
  return responseFormatterWorkflow({
    template: ECHO_WORKFLOW_DATA_TEMPLATE,
    fields: [
      field('text', 'Text'),
      field('int', 'Integer'),
      field('dec', 'Decimal'),
      field('bool', 'Boolean'),
      field('date', 'Date'),
      field('dt', 'DateTime-Local'),
      field('json', 'JSON'),
      field('withDefault', 'Integer', { default: '42' }),
      field('flagDefault', 'Boolean', { default: 'true' }),
      field('externalName', 'Text', { field_name: 'internalName' }),
    ],
  });
}

/** One required Text input without a default: request name `Message`, placed at `Data.Workflow.Message1`. */
export function requiredInputWorkflow(): WorkflowDocument {
  return responseFormatterWorkflow({
    template: ECHO_WORKFLOW_DATA_TEMPLATE,
    fields: [field('Message', 'Text', { field_name: 'Message1', required: true })],
  });
}
