import type { Engine } from '../engine/engine.js';
import type { JsonObject, JsonValue, RunRecord } from '../model/records.js';
import { flag, type WorkflowDocument } from '../model/workflow-document.js';
import type { Store } from '../store/store.js';
import type { WorkflowCatalog } from './workflow-catalog.js';
import { requestDigest } from '../model/request-digest.js';

/**
 * Event-triggered workflows (**ext**; the reference's "On Billing Event" trigger): an event starts a
 * run of every active workflow whose active version names it, with the event mapped into `Data`.
 *
 * A version names its events as the reference's exports do: `event_trigger: true` with
 * `parameters.event_triggers: ["BillingRunCompletion", ...]`, or `event_trigger: "<name>"`; with the flag
 * and no list, the entry linkage's `linkage_type` (the reference writes the event's name there).
 * `event_parameters` (in `workflow` or `workflow.parameters`) is `[{eventName, params: [{object, key,
 * value}]}]`: each param becomes `Data.<object>.<key>`, its value a literal or a token (below).
 */

export interface EventTriggersOptions {
  store: Store;
  catalog: WorkflowCatalog;
  engine: Engine;
  now: () => number;
}

/** One param of `event_parameters`. */
interface EventParam {
  object: string;
  key: string;
  value: unknown;
}

const PAGE = 200;
const TOKEN = /^<([^<>]+)>$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The event names a version starts on (empty: it is no event-triggered workflow). */
export function eventNamesOf(document: WorkflowDocument): string[] {
  const workflow = document.workflow as Record<string, unknown>;
  const trigger = workflow['event_trigger'];
  if (typeof trigger === 'string' && trigger !== '' && trigger !== 'true' && trigger !== 'false') return [trigger];
  if (!flag(trigger)) return [];
  const listed = (workflow['parameters'] as Record<string, unknown> | null | undefined)?.['event_triggers'];
  if (Array.isArray(listed)) return listed.filter((name): name is string => typeof name === 'string' && name !== '');
  const entry = document.linkages.find((l) => l.source_task_id === null || l.source_task_id === undefined);
  return entry && entry.linkage_type !== 'Start' ? [entry.linkage_type] : [];
}

/** The params `event_parameters` maps for `eventName`. */
function paramsFor(document: WorkflowDocument, eventName: string): EventParam[] {
  const workflow = document.workflow as Record<string, unknown>;
  const nested = (workflow['parameters'] as Record<string, unknown> | null | undefined)?.['event_parameters'];
  const mappings = Array.isArray(workflow['event_parameters']) ? workflow['event_parameters'] : nested;
  if (!Array.isArray(mappings)) return [];
  return mappings
    .filter((m): m is { eventName?: unknown; params?: unknown } => typeof m === 'object' && m !== null)
    .filter((m) => m.eventName === eventName || m.eventName === undefined)
    .flatMap((m) => (Array.isArray(m.params) ? (m.params as unknown[]) : []))
    .filter(
      (p): p is EventParam =>
        typeof p === 'object' &&
        p !== null &&
        typeof (p as EventParam).object === 'string' &&
        NAME.test((p as EventParam).object) &&
        typeof (p as EventParam).key === 'string' &&
        NAME.test((p as EventParam).key),
    );
}

function lookup(body: JsonObject, key: string): JsonValue {
  if (Object.hasOwn(body, key)) return body[key] ?? null;
  let value: JsonValue | undefined = body;
  for (const part of key.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) {
      return null;
    }
    value = value[part];
  }
  return value ?? null;
}

/**
 * A param's value for one event, as the reference reads its tokens: `<Event.Category>` the event's
 * name, `<Event.Timestamp>` its `eventTime`, `<Event.Date>` that time's UTC date, `<Functions.Today>`
 * today's UTC date, `<Tenant.ID>` its `tenantId`, `<Tenant.Name>` empty; any other `<X>` (an optional
 * `Event.` or `DataSource.` prefix dropped) is key `X` of the event body (or a dotted path into it).
 * A value without brackets is a constant.
 */
export function eventValue(value: unknown, eventName: string, body: JsonObject, now: number): JsonValue {
  if (typeof value !== 'string') return (value ?? null) as JsonValue;
  const token = TOKEN.exec(value.trim())?.[1]?.trim();
  if (token === undefined) return value;
  const time = typeof body['eventTime'] === 'string' ? body['eventTime'] : null;
  switch (token) {
    case 'Event.Category':
      return eventName;
    case 'Event.Timestamp':
      return time;
    case 'Event.Date': {
      const at = time === null ? NaN : Date.parse(time);
      return Number.isNaN(at) ? null : new Date(at).toISOString().slice(0, 10);
    }
    case 'Functions.Today':
      return new Date(now).toISOString().slice(0, 10);
    case 'Tenant.ID':
      return body['tenantId'] ?? null;
    case 'Tenant.Name':
      return '';
    default:
      return lookup(body, token.replace(/^(Event|DataSource)\./, ''));
  }
}

/** The run inputs (`Data.<object>.<key>`) an event gives a version. */
export function eventInputs(document: WorkflowDocument, eventName: string, body: JsonObject, now: number): JsonObject {
  const inputs: Record<string, JsonObject> = {};
  for (const param of paramsFor(document, eventName)) {
    const object = (inputs[param.object] ??= {});
    object[param.key] = eventValue(param.value, eventName, body, now);
  }
  return inputs;
}

export class EventTriggers {
  constructor(private readonly options: EventTriggersOptions) {}

  /**
   * Starts a standard run of every active workflow whose active version names `eventName`, in id order.
   * `idempotencyKey` is handed to each run (per workflow, as on `/run`): a repeated event starts nothing new.
   * Reads every workflow's active version: events are not a hot path; an index would need a table.
   */
  async fire(request: {
    eventName: string;
    body: JsonObject;
    runUser: string;
    idempotencyKey: string | null;
  }): Promise<RunRecord[]> {
    const { store, catalog, engine, now } = this.options;
    const runs: RunRecord[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const workflows = await store.catalog.listWorkflows({}, { offset, limit: PAGE });
      for (const workflow of workflows) {
        if (workflow.status !== 'Active' || workflow.activeVersionId === null) continue;
        const version = await store.catalog.getVersion(workflow.activeVersionId);
        if (!version || !eventNamesOf(version.document).includes(request.eventName)) continue;
        const target = await catalog.triggerTarget(workflow.id);
        if (!target?.version) continue;
        const { run } = await engine.startRun({
          version: target.version,
          priority: target.settings?.priority ?? 'Medium',
          inputs: eventInputs(version.document, request.eventName, request.body, now()),
          runUser: request.runUser,
          idempotencyKey: request.idempotencyKey,
          idempotencyDigest:
            request.idempotencyKey === null ? null : requestDigest({ event: request.eventName, body: request.body }),
          hasRunLimit: (target.settings?.concurrentRunLimit ?? null) !== null,
        });
        runs.push(run);
      }
      if (workflows.length < PAGE) break;
    }
    return runs.sort((a, b) => a.workflowId - b.workflowId);
  }
}
