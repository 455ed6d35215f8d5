import type { Linkage, TaskDefinition, WorkflowDocument } from './workflow-document.js';

/** A problem with a workflow file, naming the field at fault (e.g. `linkages[2].target_task_id`). */
export interface DocumentProblem {
  field: string;
  title: string;
}

/**
 * Structural checks the schema cannot express: unique task ids, exactly one entry linkage, every
 * linkage naming tasks of the file. Task parameters are checked by their task types.
 *
 * The entry is the one linkage with `source_task_id: null`, whatever its `linkage_type`: the reference
 * writes `Start`, but its own import sample uses `Finish` and event-triggered workflows name the event.
 */
export function findGraphProblems(document: WorkflowDocument): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const ids = new Set<string>();
  document.tasks.forEach((task, i) => {
    const id = String(task.id);
    if (ids.has(id)) problems.push({ field: `tasks[${i}].id`, title: `Task id ${id} appears more than once.` });
    ids.add(id);
  });
  let starts = 0;
  document.linkages.forEach((linkage, i) => {
    const isStart = linkage.source_task_id === null || linkage.source_task_id === undefined;
    if (isStart) {
      starts += 1;
    } else if (!ids.has(String(linkage.source_task_id))) {
      problems.push({
        field: `linkages[${i}].source_task_id`,
        title: `Linkage source task ${String(linkage.source_task_id)} is not a task of this workflow.`,
      });
    }
    if (!ids.has(String(linkage.target_task_id))) {
      problems.push({
        field: `linkages[${i}].target_task_id`,
        title: `Linkage target task ${String(linkage.target_task_id)} is not a task of this workflow.`,
      });
    }
  });
  if (starts !== 1) {
    problems.push({
      field: 'linkages',
      title: `A workflow needs exactly one entry linkage (source_task_id null); this one has ${starts}.`,
    });
  }
  return problems;
}

/** A version's graph, indexed for the engine: tasks by id, linkages by source task and hook. */
export class WorkflowGraph {
  private readonly tasks = new Map<number, TaskDefinition>();
  private readonly outgoing = new Map<string, number[]>();
  readonly entryTaskIds: readonly number[];

  /** `document` must carry store-assigned integer task ids and have passed `findGraphProblems`. */
  constructor(document: WorkflowDocument) {
    for (const task of document.tasks) this.tasks.set(Number(task.id), task);
    const entries: number[] = [];
    for (const linkage of document.linkages) {
      if (linkage.source_task_id === null || linkage.source_task_id === undefined) {
        entries.push(Number(linkage.target_task_id));
        continue;
      }
      const key = edgeKey(Number(linkage.source_task_id), linkage.linkage_type);
      const targets = this.outgoing.get(key) ?? [];
      targets.push(Number(linkage.target_task_id));
      this.outgoing.set(key, targets);
    }
    this.entryTaskIds = entries;
  }

  task(id: number): TaskDefinition | undefined {
    return this.tasks.get(id);
  }

  allTasks(): IterableIterator<TaskDefinition> {
    return this.tasks.values();
  }

  /** The tasks a hook of a task starts, in file order. */
  targets(taskId: number, hook: string): readonly number[] {
    return this.outgoing.get(edgeKey(taskId, hook)) ?? [];
  }
}

function edgeKey(taskId: number, hook: string): string {
  return `${taskId}\u0000${hook}`;
}

export type { Linkage };
