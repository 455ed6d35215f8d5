import type { WorkflowDocument } from '../model/workflow-document.js';

/** File-local ids become store ids: tasks get `taskIds` in order, the version id stands for the workflow. */
export function remapIds(document: WorkflowDocument, versionId: number, taskIds: readonly number[]): WorkflowDocument {
  const map = new Map<string, number>();
  const tasks = document.tasks.map((task, i) => {
    const id = taskIds[i];
    if (id === undefined) throw new Error('too few task ids');
    map.set(String(task.id), id);
    return { ...task, id };
  });
  const mapped = (fileId: string | number): number => {
    const id = map.get(String(fileId));
    if (id === undefined) throw new Error(`unmapped task id ${fileId}`);
    return id;
  };
  const linkages = document.linkages.map((linkage) => ({
    ...linkage,
    source_workflow_id: versionId,
    source_task_id:
      linkage.source_task_id === null || linkage.source_task_id === undefined ? null : mapped(linkage.source_task_id),
    target_task_id: mapped(linkage.target_task_id),
  }));
  return { ...document, workflow: { ...document.workflow, id: versionId }, tasks, linkages };
}
