import { describe, expect, it } from 'vitest';
import { emptyDocument, type WorkflowDocument } from '../model/document';
import { addLinkage, addTask, documentToSave, newTask, removeTasks, setStart } from './draft';
import { hooksOf } from './task-library';
import { validateDocument } from './validate';

const messages = (document: WorkflowDocument) => validateDocument(document).map((p) => `${p.severity}: ${p.message}`);

describe('validateDocument', () => {
  it('accepts the minimal document a new workflow starts with', () => {
    expect(validateDocument(emptyDocument('New'))).toEqual([]);
  });

  it('wants exactly one Start linkage', () => {
    const none = { ...emptyDocument('New'), linkages: [] };
    expect(messages(none)).toContain(
      'error: Connect Start to the first task: the workflow needs exactly one Start linkage.',
    );
    const base = emptyDocument('New');
    const two = { ...base, linkages: [...base.linkages, ...base.linkages] };
    expect(messages(two)).toContain('error: The workflow has 2 Start linkages; it needs exactly one.');
  });

  it('names linkages whose tasks do not exist, and unknown task types', () => {
    const base = emptyDocument('New');
    const broken: WorkflowDocument = {
      ...base,
      tasks: [...base.tasks, { id: 2, name: 'Mystery', action_type: 'Billing::BillRun', parameters: {} }],
      linkages: [...base.linkages, { source_task_id: 7, target_task_id: 9, linkage_type: 'Success' }],
    };
    expect(messages(broken)).toEqual(
      expect.arrayContaining([
        'error: Linkage 2 (Success) leads to task 9, which does not exist.',
        'error: Linkage 2 (Success) comes from task 7, which does not exist.',
        'error: “Mystery” is a Billing::BillRun task, which Weir does not run.',
      ]),
    );
  });

  it('wants required parameters, and warns about hooks a task never fires and tasks nothing reaches', () => {
    let draft = emptyDocument('New');
    const callout = { ...newTask(draft, 'Callout'), parameters: { url: ' ' } };
    draft = addTask(draft, callout);
    expect(messages(draft)).toEqual(
      expect.arrayContaining([
        'error: “Callout”: URL is required.',
        'warning: Nothing leads to “Callout”: it never runs.',
      ]),
    );
    draft = addLinkage(draft, '1', String(callout.id), 'True');
    expect(messages(draft)).toContain('warning: “Respond” never fires True; its hooks are Failure.');
  });

  it('checks input names and datatypes', () => {
    const base = emptyDocument('New');
    const document: WorkflowDocument = {
      ...base,
      workflow: {
        ...base.workflow,
        parameters: {
          fields: [
            { object_name: 'Workflow', field_name: 'a b', datatype: 'Text' },
            { object_name: 'Workflow', field_name: 'x', datatype: 'Text', callout_id: 'same' },
            { object_name: 'Workflow', field_name: 'y', datatype: 'Integer', callout_id: 'same' },
          ],
        },
      },
    };
    expect(messages(document)).toEqual([
      'error: Input “a b”: the field name must be letters, digits and _.',
      'error: Two inputs are called “same”.',
    ]);
  });
});

describe('draft edits', () => {
  it('adds a task (the first one starts the workflow), links it, moves the start, removes it with its linkages', () => {
    const empty = { ...emptyDocument('New'), tasks: [], linkages: [] };
    const first = newTask(empty, 'Logic::Liquid');
    let draft = addTask(empty, first);
    expect(draft.linkages).toEqual([
      { source_workflow_id: null, source_task_id: null, target_task_id: 1, linkage_type: 'Start' },
    ]);
    const second = newTask(draft, 'Logic::Liquid');
    expect(second).toMatchObject({ id: 2, name: 'Liquid 2' });
    draft = addLinkage(addTask(draft, second), '1', '2', 'Success');
    expect(addLinkage(draft, '1', '2', 'Success')).toBe(draft);
    draft = setStart(draft, '2');
    expect(draft.linkages.filter((l) => l.source_task_id === null)).toEqual([
      { source_workflow_id: null, source_task_id: null, target_task_id: 2, linkage_type: 'Start' },
    ]);
    draft = removeTasks(draft, ['2']);
    expect(draft.tasks.map((t) => t.id)).toEqual([1]);
    expect(draft.linkages).toEqual([]);
  });

  it('writes positions into css and the new version into the file', () => {
    const saved = documentToSave(emptyDocument('New'), new Map([['1', { x: 12.4, y: 80 }]]), '0.0.2');
    expect(saved.workflow.version).toBe('0.0.2');
    expect(saved.tasks[0]?.css).toEqual({ top: '80px', left: '12px' });
  });

  it('gives Logic::Case one hook per case', () => {
    expect(hooksOf('Logic::Case', { case_condition: { Case_2: 'b', Case_1: 'a', other: 'x' } })).toEqual([
      'Case_1',
      'Case_2',
      'Case_Else',
      'Failure',
    ]);
    expect(hooksOf('If')).toEqual(['True', 'False', 'Failure']);
    expect(hooksOf('Something::Else')).toEqual(['Success', 'Failure']);
  });
});
