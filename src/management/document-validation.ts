import { TypeCompiler } from '@sinclair/typebox/compiler';
import { maskedSecretPaths, restoreMaskedSecrets, SECRET_MASK } from '../model/callout-secrets.js';
import { InvalidRequestError } from '../model/errors.js';
import { WorkflowDocumentSchema, type WorkflowDocument } from '../model/workflow-document.js';
import { findDocumentProblems } from '../engine/compiled-version.js';

const documentChecker = TypeCompiler.Compile(WorkflowDocumentSchema);

/** `/tasks/0/name` → `tasks[0].name`: the field names the API reports. */
export function fieldOf(pointer: string): string {
  return pointer
    .split('/')
    .filter(Boolean)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

/**
 * Checks an uploaded workflow file: its shape (schema), its graph, its task types and parameters.
 * Throws `InvalidRequestError` naming the first problem and listing the rest.
 *
 * Exports show callout secrets masked (model/callout-secrets.ts). With `previous` (the version a
 * new version replaces), a masked secret takes that version's value, found by task id, else by
 * task name; a secret still masked after that is refused, naming it.
 */
export function validateWorkflowDocument(body: unknown, previous?: WorkflowDocument): WorkflowDocument {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError(
      'The body must be a workflow file: {"workflow": {...}, "tasks": [...], "linkages": [...]}.',
    );
  }
  if (!documentChecker.Check(body)) {
    const problems = [...documentChecker.Errors(body)].slice(0, 20).map((error) => {
      const field = fieldOf(error.path) || 'body';
      return { field, title: `${field}: ${error.message}.` };
    });
    const first = problems[0] ?? { field: 'body', title: 'The workflow file is invalid.' };
    throw new InvalidRequestError(first.title, first.field, problems.slice(1));
  }
  const document = restoreSecrets(body as WorkflowDocument, previous);
  const problems = findDocumentProblems(document);
  if (problems.length > 0) {
    const [first, ...more] = problems;
    throw new InvalidRequestError(first?.title ?? 'The workflow file is invalid.', first?.field, more);
  }
  return document;
}

function restoreSecrets(document: WorkflowDocument, previous: WorkflowDocument | undefined): WorkflowDocument {
  const byId = new Map((previous?.tasks ?? []).map((t) => [String(t.id), t]));
  const byName = new Map((previous?.tasks ?? []).map((t) => [t.name, t]));
  const tasks = document.tasks.map((task) =>
    restoreMaskedSecrets(task, byId.get(String(task.id)) ?? byName.get(task.name)),
  );
  const masked = tasks.flatMap((task, i) =>
    maskedSecretPaths(task).map((path) => {
      const field = `tasks[${i}].parameters.${path}`;
      return {
        field,
        title: `${field} is the mask ${SECRET_MASK} that answers show instead of a secret: give the secret itself.`,
      };
    }),
  );
  const [first, ...more] = masked;
  if (first) throw new InvalidRequestError(first.title, first.field, more);
  return { ...document, tasks };
}
