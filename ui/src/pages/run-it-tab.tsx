import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { exportVersion, getSettings, runWorkflow, triggerWithToken } from '../api/endpoints';
import type { RunMetadata, Workflow } from '../api/types';
import { StatusBadge } from '../components/badges';
import { JsonView } from '../components/controls';
import { ErrorBanner, Loading, Notice } from '../components/feedback';
import { useResource } from '../hooks/use-resource';
import { inputFieldsOf } from '../model/document';
import { initialValues, toInputs, type FormValues } from '../model/inputs';
import { runHref, workflowHref } from '../router';
import { InputControls } from './input-form';

type Mode = 'standard' | 'responsive';

type Outcome =
  | { mode: 'standard'; run: RunMetadata }
  | {
      mode: 'responsive';
      status: number;
      body: unknown;
      text: string;
      runId: number | undefined;
      location: string | null;
    };

const RESPONSIVE_MEANINGS: Record<number, string> = {
  211: 'The workflow holds a task that cannot run responsively; it was queued in standard mode.',
  212: 'Too many responsive runs are in flight; it was queued in standard mode.',
  403: 'A task failed and no failure branch handled it.',
  408: 'It did not finish within the responsive timeout; it goes on in standard mode.',
};

/** Run it: a form generated from the declared inputs, in standard or responsive mode. */
export function RunItTab({ workflow }: { workflow: Workflow }) {
  const document = useResource(
    (signal) => exportVersion(workflow.id, undefined, signal),
    `${workflow.id}|${workflow.updatedAt}`,
  );
  const fields = inputFieldsOf(document.data);
  const [values, setValues] = useState<FormValues>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [mode, setMode] = useState<Mode>(workflow.syncTrigger ? 'responsive' : 'standard');
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const modeName = useId();

  useEffect(() => {
    if (document.data) setValues(initialValues(inputFieldsOf(document.data)));
  }, [document.data]);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const form = toInputs(fields, values);
    if (!form.ok) {
      setErrors(form.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    setError(undefined);
    setOutcome(undefined);
    try {
      if (mode === 'standard') {
        setOutcome({ mode, run: await runWorkflow(workflow.id, form.inputs) });
      } else {
        const settings = await getSettings(workflow.id);
        const answer = await triggerWithToken(workflow.id, 'sync', settings.api_token, form.inputs);
        const body = answer.json ?? answer.text;
        setOutcome({
          mode,
          status: answer.status,
          body,
          text: answer.text,
          runId: runIdOf(answer.status, body),
          location: answer.headers.get('location'),
        });
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const blocked = !workflow.calloutTrigger
    ? 'The callout trigger is off, so this workflow cannot be run from here.'
    : workflow.status !== 'Active'
      ? 'This workflow is inactive: activate a version first.'
      : mode === 'responsive' && !workflow.syncTrigger
        ? 'Responsive mode is off for this workflow.'
        : undefined;

  return (
    <div className="stack">
      <form className="card" onSubmit={(event) => void submit(event)} aria-labelledby="run-heading" noValidate>
        <h2 id="run-heading">Run {workflow.name}</h2>
        <fieldset className="segmented">
          <legend>Mode</legend>
          <label className={mode === 'standard' ? 'is-checked' : undefined}>
            <input
              type="radio"
              name={modeName}
              value="standard"
              checked={mode === 'standard'}
              onChange={() => setMode('standard')}
            />
            Standard (queue it)
          </label>
          <label className={mode === 'responsive' ? 'is-checked' : undefined}>
            <input
              type="radio"
              name={modeName}
              value="responsive"
              checked={mode === 'responsive'}
              onChange={() => setMode('responsive')}
            />
            Responsive (wait for the answer)
          </label>
        </fieldset>
        {blocked ? (
          <Notice tone="warning">
            {blocked} <a href={workflowHref(workflow.id, 'settings')}>Open the settings</a>
          </Notice>
        ) : null}
        <ErrorBanner error={document.error} onRetry={document.reload} />
        {document.isLoading && !document.data ? <Loading label="Loading the inputs…" /> : null}
        {document.data && fields.length === 0 ? <p className="muted">This workflow declares no inputs.</p> : null}
        {fields.length > 0 ? (
          <>
            <p className="hint">
              Fields marked <span className="required">*</span> are required.
            </p>
            <InputControls
              fields={fields}
              values={values}
              errors={errors}
              onChange={(name, value) => setValues((v) => ({ ...v, [name]: value }))}
            />
          </>
        ) : null}
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={isBusy || Boolean(blocked)}>
            {isBusy
              ? mode === 'responsive'
                ? 'Waiting for the answer…'
                : 'Starting…'
              : mode === 'responsive'
                ? 'Run and wait'
                : 'Start run'}
          </button>
        </div>
      </form>

      <div aria-live="polite">
        {error ? (
          <ErrorBanner error={error} title={error instanceof ApiError ? `HTTP ${error.status}:` : undefined} />
        ) : null}
        {outcome ? <OutcomeView outcome={outcome} /> : null}
      </div>
    </div>
  );
}

function runIdOf(status: number, body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as { id?: unknown; run?: { id?: unknown }; type?: unknown };
  if (typeof record.run?.id === 'number') return record.run.id;
  if ((status === 211 || status === 212) && typeof record.id === 'number' && record.type === 'Workflow::Instance')
    return record.id;
  return undefined;
}

function OutcomeView({ outcome }: { outcome: Outcome }) {
  if (outcome.mode === 'standard') {
    return (
      <section className="card" aria-label="Run started">
        <h2>Run started</h2>
        <p>
          <a href={runHref(outcome.run.id)}>{outcome.run.name}</a> <StatusBadge status={outcome.run.status} /> — it runs
          in the background.
        </p>
      </section>
    );
  }
  const isSuccess = outcome.status >= 200 && outcome.status < 300 && outcome.status !== 211 && outcome.status !== 212;
  return (
    <section className="card" aria-label="Responsive answer">
      <div className="card-head">
        <h2>Answer</h2>
        <span className={`status-code ${isSuccess ? 'is-ok' : 'is-bad'}`} aria-label={`HTTP status ${outcome.status}`}>
          HTTP {outcome.status}
        </span>
      </div>
      {RESPONSIVE_MEANINGS[outcome.status] ? <p className="muted">{RESPONSIVE_MEANINGS[outcome.status]}</p> : null}
      <JsonView value={outcome.body} label="Response body" emptyText="The answer has no body." />
      {outcome.runId !== undefined ? (
        <p>
          <a href={runHref(outcome.runId)}>Open the run</a>
        </p>
      ) : null}
    </section>
  );
}
