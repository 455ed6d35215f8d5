import { useEffect, useId, useState } from 'react';
import { findTaskInstances, listRuns, testTask } from '../api/endpoints';
import type { TaskTestResult } from '../api/types';
import { StatusBadge } from '../components/badges';
import { JsonView } from '../components/controls';
import { ErrorBanner, Loading } from '../components/feedback';
import { JsonEditor } from '../components/json-editor';
import { calloutExchange } from '../model/callout-exchange';
import type { TaskDefinition, WorkflowDocument } from '../model/document';
import { dateParts } from '../../../src/model/time.js';
import { formatTime } from '../model/format';
import { readJsonObject } from '../model/json-text';
import { CalloutExchangeView } from '../pages/callout-exchange-view';
import { runHref } from '../router';
import { specOf } from './task-library';

/** Where the sample Data came from. */
interface Sample {
  text: string;
  source: string;
}

/**
 * "Test this task": the task as drafted, run once with sample Data by the server as a run would run it
 * (`POST /workflows/{id}/versions/{version_id}/tasks/{task_id}/test`, **ext**), outside any run. The
 * sample starts from this task's input in the latest runs, else from the workflow's declared inputs. A
 * task that reaches outside Weir says so and is sent only once the person ticks that they mean it.
 */
export function TaskTestPanel({
  workflowId,
  versionId,
  task,
  draft,
}: {
  workflowId: number;
  versionId: number;
  task: TaskDefinition;
  draft: WorkflowDocument;
}) {
  const confirmId = useId();
  const [sample, setSample] = useState<Sample | undefined>();
  const [text, setText] = useState('');
  const [isConfirmed, setConfirmed] = useState(false);
  const [result, setResult] = useState<TaskTestResult | undefined>();
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const sendsOutside = specOf(task.action_type)?.sendsOutside;
  const read = readJsonObject(text);

  useEffect(() => {
    const controller = new AbortController();
    void lastInputOf(workflowId, task.name, controller.signal)
      .then((found) => found ?? { text: JSON.stringify(inputSkeleton(draft), null, 2), source: 'inputs' })
      .catch(() => ({ text: JSON.stringify(inputSkeleton(draft), null, 2), source: 'inputs' }))
      .then((chosen) => {
        if (controller.signal.aborted) return;
        setSample(chosen);
        setText(chosen.text);
      });
    return () => controller.abort();
    // The sample is chosen once per task shown; edits to the draft do not replace what was typed.
  }, [workflowId, task.id]);

  const run = async (): Promise<void> => {
    if (!read.ok) return;
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      setResult(
        await testTask(workflowId, versionId, task.id, {
          data: read.value,
          task: { name: task.name, action_type: task.action_type, parameters: task.parameters },
          ...(sendsOutside ? { confirm_side_effects: isConfirmed } : {}),
        }),
      );
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (!sample) return <Loading label="Looking for sample Data in the latest runs…" />;
  return (
    <section className="task-test" aria-label={`Test ${task.name}`}>
      <JsonEditor
        label="Sample input Data"
        value={text}
        onChange={setText}
        rows={8}
        onReset={() => setText(sample.text)}
        resetLabel="Reset the sample"
        hint={
          sample.source === 'inputs'
            ? 'No run has reached this task yet: the sample is what a first task gets, with the declared inputs.'
            : `This task’s input Data in ${sample.source}.`
        }
      />
      {sendsOutside ? (
        <div className="side-effect-warning" role="note">
          <p>
            <strong>Not a dry run.</strong> Testing this {task.action_type} task {sendsOutside}, with the secrets it
            refers to.
          </p>
          <div className="check">
            <input
              id={confirmId}
              type="checkbox"
              checked={isConfirmed}
              onChange={(event) => setConfirmed(event.target.checked)}
            />
            <label htmlFor={confirmId}>I understand: this test {sendsOutside}</label>
          </div>
        </div>
      ) : (
        <p className="hint">Nothing leaves Weir: this task type only transforms Data.</p>
      )}
      <div className="button-row">
        <button
          type="button"
          className="button button-primary"
          disabled={!read.ok || isBusy || (Boolean(sendsOutside) && !isConfirmed)}
          onClick={() => void run()}
        >
          {isBusy ? 'Testing…' : sendsOutside ? 'Send and test' : 'Test this task'}
        </button>
      </div>
      <div aria-live="polite">
        <ErrorBanner error={error} title="Not tested." />
        {result ? <TestResult result={result} task={task} /> : null}
      </div>
    </section>
  );
}

function TestResult({ result, task }: { result: TaskTestResult; task: TaskDefinition }) {
  const exchange = calloutExchange({
    action_type: task.action_type,
    parameters: task.parameters,
    data_out: result.data_out,
    log: result.log,
  });
  return (
    <div className="test-result" aria-label="Test result" role="region">
      <p className="test-outcome">
        <StatusBadge status={result.status} /> <span className="muted small">in {result.duration_ms} ms</span>
      </p>
      <p>{outcomeLine(result)}</p>
      {result.sub_run_id ? (
        <p className="small">
          It started run <a href={runHref(result.sub_run_id)}>#{result.sub_run_id}</a>.
        </p>
      ) : null}
      {result.error ? (
        <section className="error-box" aria-label="Error">
          <p className="mono">{result.error.error_class}</p>
          <p>{result.error.message}</p>
        </section>
      ) : null}
      {exchange ? <CalloutExchangeView exchange={exchange} /> : null}
      {result.response ? (
        <section aria-label="Answer">
          <h4>
            Answer <span className="mono">{result.response.code}</span> · the run’s result would be{' '}
            {result.response.result}
          </h4>
          <JsonView value={result.response.body} label={`Answer of the test of ${task.name}`} />
        </section>
      ) : null}
      <details open={!exchange && !result.response}>
        <summary>Output Data</summary>
        <JsonView value={result.data_out} label={`Output Data of the test of ${task.name}`} />
      </details>
      {result.branches ? (
        <details>
          <summary>For Each branches ({result.branches.length})</summary>
          <JsonView value={result.branches} label={`Branches of the test of ${task.name}`} />
        </details>
      ) : null}
      <details open={Boolean(result.log)}>
        <summary>Log</summary>
        {result.log ? (
          <pre className="code" tabIndex={0} aria-label={`Log of the test of ${task.name}`}>
            {result.log}
          </pre>
        ) : (
          <p className="muted">Nothing logged.</p>
        )}
      </details>
    </div>
  );
}

/** One sentence: the hook it fired, or what a run would wait for. */
export function outcomeLine(result: TaskTestResult): string {
  if (result.status === 'Pending') {
    const until = result.due_at ? ` until ${formatTime(result.due_at)}` : '';
    switch (result.waiting_on) {
      case 'delay':
        return `A run would wait here${until}, then go on.`;
      case 'retry':
        return `The attempt failed; a run would retry it${until}.`;
      case 'approval':
        return `A run would wait for someone to approve or reject${until}.`;
      case 'iterations':
        return `A run would start its “${result.hook ?? 'For Each'}” branches (the first ones below).`;
      case 'sub_run':
        return 'The called run had not ended after 30 s; a run would go on waiting for it.';
      default:
        return 'A run would wait here.';
    }
  }
  if (result.status === 'Error') return 'Failed: a run would follow its Failure linkage, if it has one.';
  return result.hook ? `Succeeded: a run would follow its ${result.hook} linkages.` : `Ended ${result.status}.`;
}

/** The task's input Data in the latest runs that reached it: `{text, source}`, or undefined. */
async function lastInputOf(workflowId: number, taskName: string, signal: AbortSignal): Promise<Sample | undefined> {
  const runs = await listRuns({ workflowId, pageLength: 5 }, signal);
  for (const run of runs.data) {
    const instances = await findTaskInstances(run.id, taskName, signal);
    const found = instances.data.find((instance) => instance.data);
    if (found?.data) return { text: JSON.stringify(found.data, null, 2), source: `run ${run.name}` };
  }
  return undefined;
}

/**
 * What a run's first task would get: `Data.Workflow`'s seeded keys (as the server's `initialData` writes
 * them, now) and `{object_name: {field_name: default or ""}}` for the workflow's declared inputs.
 */
function inputSkeleton(draft: WorkflowDocument): Record<string, Record<string, unknown>> {
  const { date, dateTime } = dateParts(Date.now());
  const skeleton: Record<string, Record<string, unknown>> = {
    Workflow: { ExecutionDate: date, ExecutionDateTime: dateTime, WorkflowRunUser: 'Task test' },
  };
  const fields = (draft.workflow as { parameters?: { fields?: unknown } }).parameters?.fields;
  for (const field of Array.isArray(fields) ? fields : []) {
    const { object_name: objectName, field_name: fieldName, default: fallback } = field as Record<string, unknown>;
    if (typeof objectName !== 'string' || typeof fieldName !== 'string') continue;
    skeleton[objectName] = { ...skeleton[objectName], [fieldName]: fallback ?? '' };
  }
  return skeleton;
}
