import type { InputField, TaskDefinition, WorkflowDocument } from '../src/model/workflow-document.js';

/**
 * The workflows the benchmark measures besides the one-task workflow of weir-client.ts
 * (`benchWorkflowDocument`, rows (3) and (5)): a chain of Liquid tasks (how cost grows with tasks) and
 * a one-task workflow that takes a JSON input (how cost grows with the input). Each comes with the
 * request body the load sends and the exact answer it must give, so a run that skipped a task or
 * lost its input is counted as a wrong body.
 */

/** A workflow to import, what the load sends to it and what `/sync` must answer. */
export interface BenchCase {
  document: WorkflowDocument;
  requestBody: string;
  expectedAnswer: unknown;
}

/** `n`, an Integer input defaulting to 0: what the load's `{"n":0}` sets, so strict Liquid can read it. */
const N_INPUT: InputField = {
  object_name: 'Workflow',
  field_name: 'n',
  datatype: 'Integer',
  required: false,
  default: 0,
};

function task(id: number, name: string, actionType: string, parameters: Record<string, unknown>): TaskDefinition {
  return { id, name, action_type: actionType, parameters, tags: [], css: { top: `${100 * id}px`, left: '100px' } };
}

function document(name: string, description: string, fields: InputField[], tasks: TaskDefinition[]): WorkflowDocument {
  const linkages: WorkflowDocument['linkages'] = [
    { source_workflow_id: null, source_task_id: null, target_task_id: 1, linkage_type: 'Start' },
  ];
  for (let id = 2; id <= tasks.length; id += 1) {
    linkages.push({ source_workflow_id: null, source_task_id: id - 1, target_task_id: id, linkage_type: 'Success' });
  }
  return {
    workflow: {
      name,
      description,
      version: '0.0.1',
      callout_trigger: true,
      sync_trigger: true,
      ondemand_trigger: false,
      scheduled_trigger: false,
      priority: 'Medium',
      parameters: { fields },
    },
    tasks,
    linkages,
  };
}

/** Step `k` of the chain (1-based), as the Liquid tasks compute it; the benchmark checks the last one. */
function chainStep(k: number, previous: number): number {
  return (previous * 3 + k) % 1000;
}

/**
 * `taskCount` tasks in a chain: `taskCount - 1` `Logic::Liquid` tasks, then the response formatter.
 * Liquid task k reads what task k-1 wrote (task 1 reads the input `n`) and assigns
 * `t<k> = (t<k-1> * 3 + k) mod 1000` into `Data.Liquid`, so each task is real work on `Data` (three
 * filters, a read of its predecessor's output) and the answer proves every task ran, in order:
 * `{"ok": true, "n": 0, "result": t<last>}` (`{"ok": true, "n": 0}` for one task). Strict variables
 * (the default) throughout: a missing value would fail the run, not be rendered as nothing.
 */
export function chainCase(taskCount: number): BenchCase {
  if (!Number.isInteger(taskCount) || taskCount < 1) throw new Error(`taskCount must be >= 1; got ${taskCount}`);
  const tasks: TaskDefinition[] = [];
  let value = 0;
  for (let k = 1; k < taskCount; k += 1) {
    const source = k === 1 ? 'Data.Workflow.n' : `Data.Liquid.t${k - 1}`;
    tasks.push(
      task(k, `Step ${k}`, 'Logic::Liquid', {
        code: `{% assign t${k} = ${source} | times: 3 | plus: ${k} | modulo: 1000 %}`,
      }),
    );
    value = chainStep(k, value);
  }
  const last = taskCount - 1;
  const template =
    last === 0
      ? '{"ok": true, "n": {{ Data.Workflow.n }}}'
      : `{"ok": true, "n": {{ Data.Workflow.n }}, "result": {{ Data.Liquid.t${last} }}}`;
  tasks.push(task(taskCount, 'Respond', 'Logic::ResponseFormatter', { processor: 'Liquid', template, code: 200 }));
  return {
    document: document(
      `weir-bench-chain-${taskCount}`,
      `bench: ${taskCount - 1} Liquid task(s) in a chain, then the response formatter`,
      [N_INPUT],
      tasks,
    ),
    requestBody: JSON.stringify({ n: 0 }),
    expectedAnswer: last === 0 ? { ok: true, n: 0 } : { ok: true, n: 0, result: value },
  };
}

/** One invoice of the input, roughly 330 bytes of JSON, as a billing system's webhook would send it. */
function invoice(i: number): Record<string, unknown> {
  const number = String(i + 1).padStart(8, '0');
  return {
    InvoiceNumber: `INV${number}`,
    AccountNumber: `A${String((i % 97) + 1).padStart(8, '0')}`,
    InvoiceDate: '2024-03-01',
    DueDate: '2024-03-31',
    Status: 'Posted',
    Currency: 'USD',
    Amount: 100 + (i % 50) * 2.5,
    Balance: i % 3 === 0 ? 0 : 100 + (i % 50) * 2.5,
    Items: [
      { ChargeName: 'Platform subscription', Quantity: 1, UnitPrice: 100, Amount: 100 },
      { ChargeName: 'Usage overage', Quantity: i % 50, UnitPrice: 2.5, Amount: (i % 50) * 2.5 },
    ],
  };
}

/**
 * A one-task workflow that takes a JSON input of about `targetBytes` bytes: `{"n": 0, "Invoices": [...]}`,
 * `Invoices` declared as a `JSON` input (required) and `n` as an `Integer`, as a user would declare a
 * webhook's payload: declared inputs are what Weir coerces and stores in `Data.Workflow`; undeclared
 * ones are ignored (docs/workflow-format.md), so an undeclared payload would measure nothing. The
 * response formatter answers `{"ok": true, "n": 0, "invoices": <how many arrived>}`, a small answer
 * that proves the input reached `Data` whole.
 */
export function inputCase(targetBytes: number): BenchCase & { bytes: number; invoices: number } {
  const invoices: Array<Record<string, unknown>> = [];
  let body = JSON.stringify({ n: 0, Invoices: invoices });
  while (body.length < targetBytes) {
    invoices.push(invoice(invoices.length));
    body = JSON.stringify({ n: 0, Invoices: invoices });
  }
  const fields: InputField[] = [
    N_INPUT,
    { object_name: 'Workflow', field_name: 'Invoices', datatype: 'JSON', required: true },
  ];
  const respond = task(1, 'Respond', 'Logic::ResponseFormatter', {
    processor: 'Liquid',
    template: '{"ok": true, "n": {{ Data.Workflow.n }}, "invoices": {{ Data.Workflow.Invoices | size }}}',
    code: 200,
  });
  return {
    document: document(
      `weir-bench-input-${Math.round(targetBytes / 1024)}k`,
      `bench: a ${Math.round(targetBytes / 1024)} KB JSON input, one response formatter task`,
      fields,
      [respond],
    ),
    requestBody: body,
    expectedAnswer: { ok: true, n: 0, invoices: invoices.length },
    bytes: Buffer.byteLength(body),
    invoices: invoices.length,
  };
}
