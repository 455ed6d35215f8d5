import { DATATYPES, inputFieldsOf, requestNameOf, sameId, type WorkflowDocument } from '../model/document';
import { isBlankValue, isShown, valueAt } from './parameter-spec';
import { hooksOf, specOf } from './task-library';

/** Something wrong with a draft: errors block saving, warnings are shown. */
export interface Problem {
  severity: 'error' | 'warning';
  message: string;
  /** The task it is about, when it is about one. */
  taskId?: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks a draft the way the server will, before it is sent: one Start linkage, linkages between tasks
 * that exist, task types Weir runs, required parameters filled, inputs well named. Warnings: hooks the
 * source task never fires, duplicate linkages, tasks that nothing leads to.
 */
export function validateDocument(document: WorkflowDocument): Problem[] {
  const problems: Problem[] = [];
  const { tasks, linkages } = document;
  if (!document.workflow.name?.trim()) problems.push({ severity: 'error', message: 'The workflow needs a name.' });
  if (tasks.length === 0) problems.push({ severity: 'error', message: 'Add at least one task.' });

  const seen = new Set<string>();
  for (const task of tasks) {
    const id = String(task.id);
    if (seen.has(id)) problems.push({ severity: 'error', message: `Two tasks have the id ${id}.`, taskId: id });
    seen.add(id);
    const label = task.name?.trim() ? `“${task.name}”` : `Task ${id}`;
    if (!task.name?.trim()) problems.push({ severity: 'error', message: `${label} needs a name.`, taskId: id });
    const spec = specOf(task.action_type);
    if (!spec) {
      problems.push({
        severity: 'error',
        message: `${label} is a ${task.action_type} task, which Weir does not run.`,
        taskId: id,
      });
      continue;
    }
    for (const parameter of spec.parameters) {
      if (
        parameter.isRequired &&
        isShown(parameter, task.parameters, spec) &&
        isBlankValue(valueAt(task.parameters, parameter.path))
      ) {
        problems.push({ severity: 'error', message: `${label}: ${parameter.label} is required.`, taskId: id });
      }
    }
  }

  const starts = linkages.filter((l) => l.source_task_id === null || l.source_task_id === undefined);
  if (starts.length !== 1) {
    problems.push({
      severity: 'error',
      message:
        starts.length === 0
          ? 'Connect Start to the first task: the workflow needs exactly one Start linkage.'
          : `The workflow has ${starts.length} Start linkages; it needs exactly one.`,
    });
  }
  const taskById = (id: unknown) => tasks.find((t) => sameId(t.id, id as string | number));
  const keys = new Set<string>();
  linkages.forEach((linkage, index) => {
    const isStart = linkage.source_task_id === null || linkage.source_task_id === undefined;
    const source = isStart ? undefined : taskById(linkage.source_task_id);
    const target = taskById(linkage.target_task_id);
    const where = `Linkage ${index + 1} (${linkage.linkage_type || 'no hook'})`;
    if (!target) {
      problems.push({
        severity: 'error',
        message: `${where} leads to task ${String(linkage.target_task_id)}, which does not exist.`,
      });
    }
    if (!isStart && !source) {
      problems.push({
        severity: 'error',
        message: `${where} comes from task ${String(linkage.source_task_id)}, which does not exist.`,
      });
    }
    if (!linkage.linkage_type?.trim()) problems.push({ severity: 'error', message: `${where} has no hook.` });
    if (source) {
      const hooks = hooksOf(source.action_type, source.parameters);
      if (!hooks.includes(linkage.linkage_type)) {
        problems.push({
          severity: 'warning',
          message: `“${source.name}” never fires ${linkage.linkage_type}; its hooks are ${hooks.join(', ')}.`,
          taskId: String(source.id),
        });
      }
    }
    const key = `${String(linkage.source_task_id)}→${String(linkage.target_task_id)}:${linkage.linkage_type}`;
    if (keys.has(key)) problems.push({ severity: 'warning', message: `${where} is there twice.` });
    keys.add(key);
  });

  const reachable = reachableTaskIds(document);
  for (const task of tasks) {
    if (!reachable.has(String(task.id)) && starts.length === 1) {
      problems.push({
        severity: 'warning',
        message: `Nothing leads to “${task.name}”: it never runs.`,
        taskId: String(task.id),
      });
    }
  }

  const names = new Set<string>();
  for (const field of inputFieldsOf(document)) {
    const what = `Input “${field.field_name || '(no name)'}”`;
    if (!NAME.test(field.object_name ?? '')) {
      problems.push({ severity: 'error', message: `${what}: the object name must be letters, digits and _.` });
    }
    if (!NAME.test(field.field_name ?? '')) {
      problems.push({ severity: 'error', message: `${what}: the field name must be letters, digits and _.` });
    }
    if (!DATATYPES.includes(field.datatype))
      problems.push({ severity: 'error', message: `${what}: choose a datatype.` });
    const requestName = requestNameOf(field);
    if (names.has(requestName))
      problems.push({ severity: 'error', message: `Two inputs are called “${requestName}”.` });
    names.add(requestName);
  }
  return problems;
}

/** Task ids the Start linkage reaches. */
export function reachableTaskIds(document: WorkflowDocument): Set<string> {
  const reached = new Set<string>();
  const queue = document.linkages
    .filter((l) => l.source_task_id === null || l.source_task_id === undefined)
    .map((l) => String(l.target_task_id));
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (reached.has(id)) continue;
    reached.add(id);
    for (const linkage of document.linkages) {
      if (linkage.source_task_id !== null && String(linkage.source_task_id) === id)
        queue.push(String(linkage.target_task_id));
    }
  }
  return reached;
}
