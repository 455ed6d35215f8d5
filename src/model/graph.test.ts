import { describe, expect, it } from 'vitest';
import { findGraphProblems, WorkflowGraph } from './graph.js';
import type { WorkflowDocument } from './workflow-document.js';

function doc(linkages: WorkflowDocument['linkages']): WorkflowDocument {
  return {
    workflow: { name: 'w' },
    tasks: [
      { id: 1, name: 'a', action_type: 'If', parameters: {} },
      { id: 2, name: 'b', action_type: 'Logic::Liquid', parameters: {} },
      { id: 3, name: 'c', action_type: 'Logic::Liquid', parameters: {} },
    ],
    linkages,
  };
}

describe('findGraphProblems', () => {
  it('accepts a well-formed graph and indexes it', () => {
    const d = doc([
      { source_task_id: null, target_task_id: 1, linkage_type: 'Start' },
      { source_task_id: 1, target_task_id: 2, linkage_type: 'True' },
      { source_task_id: 1, target_task_id: 3, linkage_type: 'True' },
    ]);
    expect(findGraphProblems(d)).toEqual([]);
    const graph = new WorkflowGraph(d);
    expect(graph.entryTaskIds).toEqual([1]);
    expect(graph.targets(1, 'True')).toEqual([2, 3]);
    expect(graph.targets(1, 'False')).toEqual([]);
  });

  it('names each problem', () => {
    const problems = findGraphProblems(
      doc([
        { source_task_id: 9, target_task_id: 1, linkage_type: 'Success' },
        { source_task_id: 1, target_task_id: 7, linkage_type: 'Success' },
      ]),
    );
    expect(problems.map((p) => p.field)).toEqual([
      'linkages[0].source_task_id',
      'linkages[1].target_task_id',
      'linkages',
    ]);
  });
});
