import { TypeCompiler } from '@sinclair/typebox/compiler';
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
 */
export function validateWorkflowDocument(body: unknown): WorkflowDocument {
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
  const document = body as WorkflowDocument;
  const problems = findDocumentProblems(document);
  if (problems.length > 0) {
    const [first, ...more] = problems;
    throw new InvalidRequestError(first?.title ?? 'The workflow file is invalid.', first?.field, more);
  }
  return document;
}
