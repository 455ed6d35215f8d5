import { findGraphProblems, WorkflowGraph, type DocumentProblem } from '../model/graph.js';
import { declareInputs, InputDeclarationError, type InputDeclaration } from '../model/inputs.js';
import type { VersionRecord } from '../model/records.js';
import type { TaskDefinition, WorkflowDocument } from '../model/workflow-document.js';
import { taskTypeOf } from '../tasks/registry.js';
import { TaskParameterError, type PrepareTools, type TaskType } from '../tasks/task-type.js';
import { compileJsonata, compileLiquid, TemplateError } from '../template/index.js';

/** A task of a version with its type and its prepared (compiled) parameters. */
export interface CompiledTask {
  definition: TaskDefinition;
  type: TaskType;
  prepared: unknown;
}

/** A version ready to run: graph indexed, templates parsed, inputs declared. Built once per version. */
export interface CompiledVersion {
  versionId: number;
  workflowId: number;
  updatedAt: number;
  graph: WorkflowGraph;
  tasks: ReadonlyMap<number, CompiledTask>;
  inputs: readonly InputDeclaration[];
  /** False when a task cannot run in responsive mode (e.g. `Delay`): `/sync` queues such runs (211). */
  isResponsive: boolean;
  /** Whether a task has a `concurrent_limit`: its running instances hold slots others may wait for. */
  hasTaskLimits: boolean;
  /** Whether a task is a Logic::Merge (completions then check for merges to wake). */
  hasMerge: boolean;
}

/** A workflow file the engine cannot run; each problem names its field. */
export class WorkflowDocumentError extends Error {
  override readonly name = 'WorkflowDocumentError';
  constructor(readonly problems: DocumentProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.title}`).join(' '));
  }
}

export const PREPARE_TOOLS: PrepareTools = { liquid: compileLiquid, jsonata: compileJsonata };

/**
 * Checks a workflow document the way the engine will run it: graph shape, known task types, task
 * parameters, input declarations. Returns every problem found; an empty list means it runs.
 */
export function findDocumentProblems(document: WorkflowDocument): DocumentProblem[] {
  const unlinked = findUnlinkedHooks(document);
  try {
    prepareDocument(document);
    return unlinked;
  } catch (error) {
    if (error instanceof WorkflowDocumentError) return [...error.problems, ...unlinked];
    throw error;
  }
}

/**
 * Tasks without a linkage on a hook their type needs (`requiredHooks`): an Iterate without `For Each`
 * would wait forever for branches that never start. Checked at import only, so that a version stored
 * before the check still loads (its Iterate completes at once: `TaskFanOut.ifHookUnlinked`).
 */
function findUnlinkedHooks(document: WorkflowDocument): DocumentProblem[] {
  const linked = new Set(
    document.linkages
      .filter((linkage) => linkage.source_task_id !== null && linkage.source_task_id !== undefined)
      .map((linkage) => `${String(linkage.source_task_id)}\u0000${linkage.linkage_type}`),
  );
  return document.tasks.flatMap((task, i) =>
    (taskTypeOf(task.action_type)?.requiredHooks ?? [])
      .filter((hook) => !linked.has(`${String(task.id)}\u0000${hook}`))
      .map((hook) => ({
        field: `tasks[${i}]`,
        title:
          `Task "${task.name}" (${task.action_type}) has no "${hook}" linkage, so it would never finish: ` +
          `link the tasks it starts from its "${hook}" hook.`,
      })),
  );
}

function prepareDocument(document: WorkflowDocument): {
  graph: WorkflowGraph;
  tasks: Map<number, CompiledTask>;
  inputs: InputDeclaration[];
} {
  const problems = findGraphProblems(document);
  const unknown = document.tasks.map((task, i) => ({ task, i })).filter(({ task }) => !taskTypeOf(task.action_type));
  if (unknown.length > 0) {
    problems.push({
      field: 'tasks',
      title: `Weir does not run these task types: ${unknown
        .map(({ task }) => `"${task.name}" (${task.action_type})`)
        .join(', ')}.`,
    });
  }
  const tasks = new Map<number, CompiledTask>();
  document.tasks.forEach((task, i) => {
    const type = taskTypeOf(task.action_type);
    if (!type) return;
    try {
      tasks.set(Number(task.id), { definition: task, type, prepared: type.prepare(task, PREPARE_TOOLS) });
    } catch (error) {
      if (error instanceof TaskParameterError) {
        problems.push({ field: `tasks[${i}].parameters.${error.parameter}`, title: error.message });
      } else if (error instanceof TemplateError) {
        problems.push({ field: `tasks[${i}].parameters`, title: `Task "${task.name}": ${error.message}` });
      } else {
        throw error;
      }
    }
  });
  let inputs: InputDeclaration[] = [];
  try {
    inputs = declareInputs(document.workflow.parameters?.fields ?? []);
  } catch (error) {
    if (!(error instanceof InputDeclarationError)) throw error;
    problems.push({ field: 'workflow.parameters.fields', title: error.message });
  }
  if (problems.length > 0) throw new WorkflowDocumentError(problems);
  return { graph: new WorkflowGraph(document), tasks, inputs };
}

/** Compiles a stored version. Throws `WorkflowDocumentError` if it cannot run (it passed the same checks at import). */
export function compileVersion(version: VersionRecord): CompiledVersion {
  const { graph, tasks, inputs } = prepareDocument(version.document);
  return {
    versionId: version.id,
    workflowId: version.workflowId,
    updatedAt: version.updatedAt,
    graph,
    tasks,
    inputs,
    isResponsive: [...tasks.values()].every((task) => task.type.isResponsive),
    hasMerge: [...tasks.values()].some((task) => task.definition.action_type === 'Logic::Merge'),
    hasTaskLimits: [...tasks.values()].some((task) => (task.definition.concurrent_limit ?? 9999999) < 9999999),
  };
}
