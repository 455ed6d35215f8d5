import { InvalidRequestError, PatchValidationError } from '../model/errors.js';
import type { VersionRecord, VersionSettings, WorkflowStatus } from '../model/records.js';
import { INVALID_INTERVAL_TITLE, isValidInterval } from '../model/schedule.js';
import { resolveTimeZone } from '../model/timezones.js';

/** A validated PATCH /workflows/{id}. */
export interface WorkflowPatchRequest {
  name?: string;
  description?: string;
  status?: WorkflowStatus;
  activeVersionId?: number;
  settings?: Partial<VersionSettings>;
}

const BOOLEAN_SETTINGS: ReadonlyArray<[string, keyof VersionSettings]> = [
  ['callout_trigger', 'calloutTrigger'],
  ['sync_trigger', 'syncTrigger'],
  ['ondemand_trigger', 'ondemandTrigger'],
  ['scheduled_trigger', 'scheduledTrigger'],
];

const KNOWN_FIELDS = new Set([
  'name',
  'description',
  'status',
  'active_workflow_version_id',
  'interval',
  'timezone',
  'priority',
  'delete_ttl',
  'concurrent_run_limit',
  'active_scheduled_run_check',
  ...BOOLEAN_SETTINGS.map(([field]) => field),
]);

/**
 * Validates a PATCH body in the reference's terms. Throws `InvalidRequestError` (400) when the body is
 * not an object, `PatchValidationError` (422) listing every field at fault otherwise. `target` is the
 * version the settings apply to (default the latest).
 */
export function parseWorkflowPatch(
  body: unknown,
  versions: readonly VersionRecord[],
  target: VersionRecord | undefined = versions.at(-1),
): WorkflowPatchRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('The body must be a JSON object of the fields to update.');
  }
  const input = body as Record<string, unknown>;
  const reasons: Array<{ fieldName: string; title: string }> = [];
  const reject = (fieldName: string, title: string): void => void reasons.push({ fieldName, title });
  const patch: WorkflowPatchRequest = {};
  const settings: Partial<VersionSettings> = {};

  for (const field of Object.keys(input)) {
    if (!KNOWN_FIELDS.has(field)) reject(field, `${field} is not a field of a workflow that can be updated.`);
  }
  if ('name' in input) {
    if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 255) {
      reject('name', 'name must be a non-empty string of at most 255 characters.');
    } else patch.name = input.name;
  }
  if ('description' in input) {
    if (typeof input.description !== 'string' || input.description.length > 65535) {
      reject('description', 'description must be a string.');
    } else patch.description = input.description;
  }
  if ('status' in input) {
    if (input.status !== 'Active' && input.status !== 'Inactive') {
      reject('status', `${String(input.status)} is not a valid status. Choose from Active or Inactive`);
    } else patch.status = input.status;
  }
  if ('active_workflow_version_id' in input) {
    const id = input.active_workflow_version_id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || !versions.some((v) => v.id === id)) {
      reject('active_workflow_version_id', `${String(id)} is not a version of this workflow.`);
    } else patch.activeVersionId = id;
  }
  for (const [field, key] of BOOLEAN_SETTINGS) {
    if (!(field in input)) continue;
    const value = input[field];
    if (typeof value !== 'boolean') reject(field, `${field} must be true or false.`);
    else (settings as Record<string, boolean>)[key] = value;
  }
  if ('interval' in input) {
    const value = input.interval;
    if (value === null || value === '') settings.interval = null;
    else if (typeof value !== 'string' || !isValidInterval(value)) reject('interval', INVALID_INTERVAL_TITLE);
    else settings.interval = value.trim();
  }
  if ('timezone' in input) {
    const value = input.timezone;
    if (value === null || value === '') settings.timezone = null;
    else if (typeof value !== 'string' || !resolveTimeZone(value)) {
      reject('timezone', `${String(value)} is not a valid timezone.`);
    } else settings.timezone = value;
  }
  if ('priority' in input) {
    const value = input.priority;
    if (value !== 'High' && value !== 'Medium' && value !== 'Low') {
      reject('priority', `${String(value)} is not a valid priority. Choose from High, Medium or Low`);
    } else settings.priority = value;
  }
  if ('delete_ttl' in input) {
    const value = input.delete_ttl;
    if (value === null) settings.deleteTtl = null;
    else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 3650) {
      reject('delete_ttl', 'delete_ttl must be a whole number of days from 1 to 3650.');
    } else settings.deleteTtl = value;
  }
  if ('concurrent_run_limit' in input) {
    const value = input.concurrent_run_limit;
    if (value === null) settings.concurrentRunLimit = null;
    else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100000) {
      reject('concurrent_run_limit', 'concurrent_run_limit must be a whole number from 1 to 100000, or null.');
    } else settings.concurrentRunLimit = value;
  }
  if ('active_scheduled_run_check' in input) {
    const value = input.active_scheduled_run_check;
    if (typeof value !== 'boolean')
      reject('active_scheduled_run_check', 'active_scheduled_run_check must be true or false.');
    else settings.activeScheduledRunCheck = value;
  }
  if (settings.scheduledTrigger === true) {
    const current = target?.settings;
    const interval = 'interval' in settings ? settings.interval : current?.interval;
    const timezone = 'timezone' in settings ? settings.timezone : current?.timezone;
    if (!interval || !timezone) {
      reject('scheduled_trigger', 'A scheduled trigger needs a valid interval and timezone.');
    }
  }
  if (reasons.length > 0) throw new PatchValidationError(reasons);
  if (Object.keys(settings).length > 0) patch.settings = settings;
  return patch;
}
