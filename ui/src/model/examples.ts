import type { WorkflowDocument } from './document';

/**
 * The workflows bundled in examples/ (each tested by test/examples.test.ts against its `.expect.json`),
 * built into the UI so an empty Weir can start from one. About 25 kB, in the chunk of the empty state.
 */
const files = import.meta.glob<WorkflowDocument>(['../../../examples/*.json', '!../../../examples/*.expect.json'], {
  eager: true,
  import: 'default',
});

export interface ExampleWorkflow {
  /** The file name without `.json`, e.g. `hello`. */
  slug: string;
  document: WorkflowDocument;
}

export const EXAMPLES: readonly ExampleWorkflow[] = Object.entries(files)
  .map(([file, document]) => ({ slug: file.replace(/^.*\//, '').replace(/\.json$/, ''), document }))
  // The simplest first: fewer tasks are easier to read as a first workflow.
  .sort((a, b) => a.document.tasks.length - b.document.tasks.length || a.slug.localeCompare(b.slug));
