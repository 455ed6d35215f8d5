import type { Point } from '../graph/layout';
import { sameId, type Linkage, type TaskDefinition, type WorkflowDocument } from '../model/document';
import { specOf } from './task-library';

/**
 * Edits of a draft version, as pure functions of the document: each returns a new document and leaves
 * the old one alone (the editor keeps them for undo-free re-rendering and for the dirty check).
 */

function numericIds(tasks: readonly TaskDefinition[]): number[] {
  return tasks.map((t) => Number(t.id)).filter((n) => Number.isFinite(n));
}

/** A task of `actionType` with its type's default parameters and a name no other task has. */
export function newTask(document: WorkflowDocument, actionType: string): TaskDefinition {
  const spec = specOf(actionType);
  const id = Math.max(0, ...numericIds(document.tasks)) + 1;
  const base = spec?.title ?? actionType;
  let name = base;
  for (let n = 2; document.tasks.some((t) => t.name === name); n += 1) name = `${base} ${n}`;
  return { id, name, action_type: actionType, parameters: spec?.defaults() ?? {}, tags: [] };
}

export function addTask(document: WorkflowDocument, task: TaskDefinition): WorkflowDocument {
  const hasStart = document.linkages.some((l) => l.source_task_id === null || l.source_task_id === undefined);
  return {
    ...document,
    tasks: [...document.tasks, task],
    // The first task of an empty graph is where it starts.
    linkages: hasStart ? document.linkages : [...document.linkages, startLinkage(task.id)],
  };
}

/** Removes tasks and every linkage from or to them. */
export function removeTasks(document: WorkflowDocument, taskIds: readonly string[]): WorkflowDocument {
  const gone = (id: unknown) => taskIds.some((t) => sameId(t, id as string | number));
  return {
    ...document,
    tasks: document.tasks.filter((t) => !gone(t.id)),
    linkages: document.linkages.filter(
      (l) => !gone(l.target_task_id) && !(l.source_task_id !== null && gone(l.source_task_id)),
    ),
  };
}

export function updateTask(
  document: WorkflowDocument,
  taskId: string,
  change: (task: TaskDefinition) => TaskDefinition,
): WorkflowDocument {
  return { ...document, tasks: document.tasks.map((t) => (sameId(t.id, taskId) ? change(t) : t)) };
}

export function startLinkage(taskId: string | number): Linkage {
  return { source_workflow_id: null, source_task_id: null, target_task_id: taskId, linkage_type: 'Start' };
}

/** Makes `taskId` the task the workflow starts with (the one Start linkage). */
export function setStart(document: WorkflowDocument, taskId: string): WorkflowDocument {
  const task = document.tasks.find((t) => sameId(t.id, taskId));
  if (!task) return document;
  return {
    ...document,
    linkages: [
      startLinkage(task.id),
      ...document.linkages.filter((l) => l.source_task_id !== null && l.source_task_id !== undefined),
    ],
  };
}

/** Adds `source --hook--> target` unless it is there already. */
export function addLinkage(
  document: WorkflowDocument,
  sourceId: string,
  targetId: string,
  hook: string,
): WorkflowDocument {
  const source = document.tasks.find((t) => sameId(t.id, sourceId));
  const target = document.tasks.find((t) => sameId(t.id, targetId));
  if (!source || !target) return document;
  const exists = document.linkages.some(
    (l) => sameId(l.source_task_id, source.id) && sameId(l.target_task_id, target.id) && l.linkage_type === hook,
  );
  if (exists) return document;
  return {
    ...document,
    linkages: [
      ...document.linkages,
      { source_workflow_id: null, source_task_id: source.id, target_task_id: target.id, linkage_type: hook },
    ],
  };
}

export function removeLinkages(document: WorkflowDocument, indexes: readonly number[]): WorkflowDocument {
  return { ...document, linkages: document.linkages.filter((_, i) => !indexes.includes(i)) };
}

/**
 * The document to save: positions written into each task's `css` (`{top, left}` in pixels, other css keys
 * kept), the new version number in `workflow.version`, and ids as the file had them.
 */
export function documentToSave(
  document: WorkflowDocument,
  positions: ReadonlyMap<string, Point>,
  version: string,
): WorkflowDocument {
  return {
    ...document,
    workflow: { ...document.workflow, version },
    tasks: document.tasks.map((task) => {
      const point = positions.get(String(task.id));
      if (!point) return task;
      return {
        ...task,
        css: { ...(task.css ?? {}), top: `${Math.round(point.y)}px`, left: `${Math.round(point.x)}px` },
      };
    }),
  };
}
