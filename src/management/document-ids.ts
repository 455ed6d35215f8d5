import type { WorkflowDocument } from '../model/workflow-document.js';

/**
 * File-local ids become store ids: tasks get `taskIds` in order, the version id stands for the workflow.
 * Every id the reference writes is mapped the same way, so an export is the file again with new ids:
 * a task's `task_id` (its parent task) follows its task, and a linkage's `source_workflow_id` is the
 * version where the file names one, and stays null (or absent) where the file leaves it so.
 */
export function remapIds(document: WorkflowDocument, versionId: number, taskIds: readonly number[]): WorkflowDocument {
  const map = new Map<string, number>();
  document.tasks.forEach((task, i) => {
    const id = taskIds[i];
    if (id === undefined) throw new Error('too few task ids');
    map.set(String(task.id), id);
  });
  const mapped = (fileId: string | number): number => {
    const id = map.get(String(fileId));
    if (id === undefined) throw new Error(`unmapped task id ${fileId}`);
    return id;
  };
  const tasks = document.tasks.map((task) => {
    const parent = task.task_id;
    const hasParent = parent !== undefined && parent !== null && map.has(String(parent));
    return { ...task, id: mapped(task.id), ...(hasParent ? { task_id: mapped(parent) } : {}) };
  });
  const linkages = document.linkages.map((linkage) => ({
    ...linkage,
    ...(linkage.source_workflow_id === undefined
      ? {}
      : { source_workflow_id: linkage.source_workflow_id === null ? null : versionId }),
    source_task_id:
      linkage.source_task_id === null || linkage.source_task_id === undefined ? null : mapped(linkage.source_task_id),
    target_task_id: mapped(linkage.target_task_id),
  }));
  return { ...document, workflow: { ...document.workflow, id: versionId }, tasks, linkages };
}
