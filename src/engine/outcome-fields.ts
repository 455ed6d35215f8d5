import type { JsonObject, JsonValue, StoredDataIn, TaskInstanceRecord } from '../model/records.js';
import type { TaskOutcome } from '../tasks/task-type.js';
import type { CompiledVersion } from './compiled-version.js';
import { FAN_OUT_REBASE_DEPTH, rebaseIn, writeBranchIn, writeIn, writeOut, type HeldData } from './data-writes.js';
import type { TaskCompletion } from './progression.js';
import type { SuccessorSpec } from './task-instance-adding.js';
import { MAX_DATA_BYTES } from './data-size.js';
import { failureData } from './run-data.js';

/** What an outcome writes, besides who wrote it. */
export type CompletionFields = Omit<TaskCompletion, 'instanceId' | 'runId' | 'nodeId' | 'now' | 'log' | 'scope'>;

/** An outcome as it is recorded, and the output `Data` this node goes on holding for its successors. */
export interface Completed {
  fields: CompletionFields;
  /** Null when no successor is based on it (a wait). */
  out: HeldData | null;
}

/** What turning an attempt's outcome into its completion needs. */
export interface OutcomeContext {
  instance: TaskInstanceRecord;
  /** The instance's input `Data`. */
  input: HeldData;
  /** The task's copy of it, as the attempt left it (the output `Data` of outcomes that name none). */
  data: JsonObject;
  version: CompiledVersion;
  /** Until when this node holds the successors (a responsive run goes on here); null: they are queued. */
  claimSuccessorsUntil: number | null;
  /** Reads the stored items of an Iterate (their JSON). */
  iterationItems: (iterateId: number, from: number, count: number) => Promise<string[]>;
}

/**
 * The completion of an attempt: its status, its output `Data` written as the changes from its input,
 * the successors its hook starts with their input `Data` (the output by reference), and for an Iterate
 * the items it stores once and the branches it starts now.
 */
export async function completionOf(outcome: TaskOutcome, at: OutcomeContext): Promise<Completed> {
  const { instance, input, data, claimSuccessorsUntil } = at;
  switch (outcome.kind) {
    case 'success': {
      const out = writeOut(input, outcome.data);
      const tooLarge = oversize(out.held);
      if (tooLarge !== null) {
        // The output is not kept: the failure branch, and the instance, keep the input Data.
        const message = `The task's Data is ${(tooLarge / 1048576).toFixed(1)} MiB; at most 5 MiB is allowed.`;
        return completionOf(
          { kind: 'error', errorClass: 'WorkflowError::DataTooLarge', message },
          {
            ...at,
            data: input.data,
          },
        );
      }
      const next = writeIn(instance.id, out.held);
      const targets = at.version.graph.targets(instance.taskId, outcome.hook ?? 'Success');
      return {
        fields: {
          status: 'Success',
          dataOut: { stored: out.stored, data: out.held.data },
          ...(outcome.response ? { response: outcome.response } : {}),
          successors: targets.map((id) => successor(at, id, next)),
          claimSuccessorsUntil,
        },
        out: out.held,
      };
    }
    case 'wait': {
      const out = writeOut(input, outcome.data ?? data);
      return {
        fields: {
          status: 'Pending',
          dataOut: { stored: out.stored, data: out.held.data },
          dueAt: outcome.dueAt,
          waitingOn: outcome.waitingOn ?? (outcome.isRetry ? 'retry' : 'delay'),
          state: outcome.state,
          isRetry: outcome.isRetry,
          successors: [],
          claimSuccessorsUntil: null,
        },
        out: null,
      };
    }
    case 'fan-out':
      return fanOut(outcome, at);
    case 'error': {
      const out = writeOut(input, outcome.data ?? data);
      const targets = at.version.graph.targets(instance.taskId, 'Failure');
      const branchData = failureData(out.held.data, {
        instanceId: instance.id,
        errorClass: outcome.errorClass,
        message: outcome.message,
      });
      const next = targets.length > 0 ? writeIn(instance.id, out.held, branchData) : null;
      return {
        fields: {
          status: 'Error',
          dataOut: { stored: out.stored, data: out.held.data },
          error: { errorClass: outcome.errorClass, message: outcome.message, details: outcome.details ?? null },
          isUnhandledError: targets.length === 0,
          successors: next ? targets.map((id) => successor(at, id, next)) : [],
          claimSuccessorsUntil,
        },
        out: out.held,
      };
    }
  }
}

/**
 * An Iterate's branches: its items stored on the first attempt, the ones started now read back (only
 * those), each branch's input `Data` the Iterate's output by reference with its item set. The Iterate's
 * own input is rebased once, first, when it lies deep in a chain, so no branch starts deep.
 */
async function fanOut(outcome: Extract<TaskOutcome, { kind: 'fan-out' }>, at: OutcomeContext): Promise<Completed> {
  const { instance, claimSuccessorsUntil } = at;
  const targets = at.version.graph.targets(instance.taskId, outcome.hook);
  if (targets.length === 0) return completionOf(outcome.ifHookUnlinked, at);
  const isFirst = outcome.items !== undefined;
  const rebase = isFirst ? rebaseIn(at.input, FAN_OUT_REBASE_DEPTH) : undefined;
  const input = rebase?.held ?? at.input;
  const out = writeOut(input, at.data);
  const all = outcome.items?.map((item) => JSON.stringify(item));
  const end = outcome.firstIndex + outcome.count;
  const started = all
    ? all.slice(outcome.firstIndex, end)
    : await at.iterationItems(instance.id, outcome.firstIndex, outcome.count);
  // The item is parsed only when this node runs the branch now, or joins it to a Merge.
  const isParsed =
    claimSuccessorsUntil !== null ||
    targets.some((id) => at.version.tasks.get(id)?.definition.action_type === 'Logic::Merge');
  const successors = started.flatMap((itemJson, i) => {
    const index = outcome.firstIndex + i;
    const branch = writeBranchIn({
      iterateId: instance.id,
      base: out.held,
      key: outcome.key,
      itemJson,
      item: isParsed ? (JSON.parse(itemJson) as JsonValue) : undefined,
    });
    const scope = { iterationParentId: instance.id, iterationIndex: index };
    return targets.map((id) => successor(at, id, branch, scope));
  });
  return {
    fields: {
      status: 'Pending',
      dataOut: { stored: out.stored, data: out.held.data },
      ...(rebase ? { rebaseIn: rebase.stored } : {}),
      ...(all ? { iterationItems: all } : {}),
      dueAt: null,
      waitingOn: 'iterations',
      iterationsDoneSeen: instance.iterationsDone,
      state: outcome.state,
      successors,
      claimSuccessorsUntil,
    },
    out: out.held,
  };
}

/** A task instance a hook starts, in the predecessor's scope unless given one (a new branch). */
function successor(
  at: OutcomeContext,
  taskId: number,
  dataIn: { stored: StoredDataIn; held: HeldData | null },
  scope = { iterationParentId: at.instance.iterationParentId, iterationIndex: at.instance.iterationIndex },
): SuccessorSpec {
  const target = at.version.tasks.get(taskId);
  const actionType = target?.definition.action_type ?? 'Unknown';
  return {
    taskId,
    name: target?.definition.name ?? String(taskId),
    actionType,
    previousId: at.instance.id,
    dataIn: dataIn.stored,
    data: dataIn.held,
    scope,
    isMergeArrival: actionType === 'Logic::Merge',
  };
}

/**
 * The UTF-8 size of `Data` over the limit, else null. The size bound decides while it is far below the
 * limit; near it, the `Data` is serialized once to measure it, and the bound becomes that measure.
 */
function oversize(held: HeldData): number | null {
  if (held.bytes <= MAX_DATA_BYTES) return null;
  const bytes = Buffer.byteLength(JSON.stringify(held.data));
  held.bytes = bytes;
  return bytes > MAX_DATA_BYTES ? bytes : null;
}
