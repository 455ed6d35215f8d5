import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { JsonBody } from './http.js';

/**
 * Helpers for the reference's own export documents: the corpus recorded from a real tenant (read from
 * `../shared/zuora-corpus`, never copied into the project), taking tasks out of a document, and
 * comparing an export with the file it came from.
 */

/** Where the corpus sits relative to the repository root, when this checkout has it. */
export const CORPUS_DIR = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'zuora-corpus');

export function hasCorpus(): boolean {
  return existsSync(CORPUS_DIR) && readdirSync(CORPUS_DIR).some((f) => f.endsWith('.json'));
}

/** The corpus documents by file name. */
export function corpusDocuments(): { file: string; document: JsonBody }[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, document: JSON.parse(readFileSync(path.join(CORPUS_DIR, file), 'utf8')) as JsonBody }));
}

/**
 * The document without the tasks `isRemoved` picks, the graph bridged over each removed task: a
 * linkage into it leads (with its own hook) to every task it led to, so `Start → Export → Iterate`
 * becomes `Start → Iterate`. Linkages that end nowhere go.
 */
export function withoutTasks(document: JsonBody, isRemoved: (task: JsonBody) => boolean): JsonBody {
  const removed = new Set<unknown>(document.tasks.filter(isRemoved).map((t: JsonBody) => t.id));
  let linkages: JsonBody[] = structuredClone(document.linkages);
  for (const id of removed) {
    const outgoing = linkages.filter((l) => l.source_task_id === id);
    const incoming = linkages.filter((l) => l.target_task_id === id);
    const kept = linkages.filter((l) => l.source_task_id !== id && l.target_task_id !== id);
    const bridged = incoming.flatMap((into) =>
      outgoing.map((out) => ({ ...into, target_task_id: out.target_task_id })),
    );
    linkages = [...kept, ...bridged];
  }
  return {
    ...document,
    tasks: document.tasks
      .filter((t: JsonBody) => !removed.has(t.id))
      .map((t: JsonBody) => (removed.has(t.task_id) ? { ...t, task_id: null } : t)),
    linkages,
  };
}

/**
 * The exported document with the ids import assigned put back to the file's own (tasks are matched
 * by position; the workflow id is the file's), so `expect(restoreIds(exported, file)).toEqual(file)`
 * checks every other key, unknown ones included, unchanged.
 */
export function restoreIds(exported: JsonBody, file: JsonBody): JsonBody {
  const toFile = new Map<unknown, unknown>(exported.tasks.map((t: JsonBody, i: number) => [t.id, file.tasks[i]?.id]));
  const back = (id: unknown): unknown => (id === null || id === undefined ? id : toFile.get(id));
  return {
    ...exported,
    workflow: { ...exported.workflow, id: file.workflow.id },
    tasks: exported.tasks.map((t: JsonBody) => ({
      ...t,
      id: back(t.id),
      ...('task_id' in t ? { task_id: toFile.has(t.task_id) ? back(t.task_id) : t.task_id } : {}),
    })),
    linkages: exported.linkages.map((l: JsonBody) => ({
      ...l,
      ...(l.source_workflow_id === exported.workflow.id ? { source_workflow_id: file.workflow.id } : {}),
      source_task_id: back(l.source_task_id),
      target_task_id: back(l.target_task_id),
    })),
  };
}
