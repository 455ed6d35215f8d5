/**
 * The workflow file (export/import document) as the UI reads and edits it. Unknown keys are kept as they
 * came, so an edited version exports everything the original carried.
 */

export type Datatype = 'Text' | 'Integer' | 'Decimal' | 'Boolean' | 'Date' | 'DateTime-Local' | 'JSON';
export const DATATYPES: readonly Datatype[] = [
  'Text',
  'Integer',
  'Decimal',
  'Boolean',
  'Date',
  'DateTime-Local',
  'JSON',
];

export interface InputField {
  callout_id?: string | null;
  object_name: string;
  field_name: string;
  datatype: Datatype;
  required?: boolean | 'true' | 'false' | null;
  default?: unknown;
  [key: string]: unknown;
}

export interface WorkflowSettingsDocument {
  name: string;
  description?: string | null;
  version?: string | null;
  ondemand_trigger?: boolean | string | null;
  callout_trigger?: boolean | string | null;
  scheduled_trigger?: boolean | string | null;
  sync_trigger?: boolean | string | null;
  interval?: string | null;
  timezone?: string | null;
  priority?: string | null;
  delete_ttl?: number | null;
  parameters?: { fields?: InputField[]; [key: string]: unknown } | null;
  [key: string]: unknown;
}

export type FileId = number | string;

export interface TaskDefinition {
  id: FileId;
  name: string;
  action_type: string;
  parameters: Record<string, unknown>;
  tags?: string[] | null;
  concurrent_limit?: number | null;
  css?: { top?: unknown; left?: unknown; [key: string]: unknown } | null;
  [key: string]: unknown;
}

export interface Linkage {
  source_workflow_id?: FileId | null;
  source_task_id: FileId | null;
  target_task_id: FileId;
  linkage_type: string;
  [key: string]: unknown;
}

export interface WorkflowDocument {
  workflow: WorkflowSettingsDocument;
  tasks: TaskDefinition[];
  linkages: Linkage[];
  [key: string]: unknown;
}

/** A file boolean: `true` or `"true"` (any case). */
export function flag(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
}

/** The declared inputs of a version. */
export function inputFieldsOf(document: WorkflowDocument | undefined): InputField[] {
  return document?.workflow.parameters?.fields ?? [];
}

/** The name a caller sends an input under: `callout_id` when set, else `field_name` (as the server reads it). */
export function requestNameOf(field: InputField): string {
  return typeof field.callout_id === 'string' && field.callout_id.trim() !== ''
    ? field.callout_id.trim()
    : field.field_name;
}

/** Ids compare as strings: a file may write `1` or `"1"`. */
export function sameId(a: FileId | null | undefined, b: FileId | null | undefined): boolean {
  return a !== null && a !== undefined && b !== null && b !== undefined && String(a) === String(b);
}

/** A `css` length such as `"160px"` or `160`, as a number of pixels; undefined when absent or unreadable. */
export function cssPixels(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const match = /^\s*(-?\d+(?:\.\d+)?)\s*(px)?\s*$/.exec(value);
    if (match?.[1]) return Number(match[1]);
  }
  return undefined;
}

/** A minimal valid document: one response task answering `{"ok": true}`. */
export function emptyDocument(name: string, description = ''): WorkflowDocument {
  return {
    workflow: {
      name,
      description,
      version: '0.0.1',
      ondemand_trigger: true,
      callout_trigger: false,
      scheduled_trigger: false,
      sync_trigger: false,
      interval: null,
      timezone: null,
      priority: 'Medium',
      parameters: { fields: [] },
    },
    tasks: [
      {
        id: 1,
        name: 'Respond',
        action_type: 'Logic::ResponseFormatter',
        parameters: { processor: 'Liquid', template: '{"ok": true}', code: '200', parent_workflow_status: 'Success' },
        tags: [],
        css: { top: '40px', left: '40px' },
      },
    ],
    linkages: [{ source_workflow_id: null, source_task_id: null, target_task_id: 1, linkage_type: 'Start' }],
  };
}
