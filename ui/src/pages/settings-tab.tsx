import { useId, useMemo, useState } from 'react';
import { exportVersion, getSettings, patchWorkflow, rotateCredentials } from '../api/endpoints';
import type { Workflow, WorkflowSettings } from '../api/types';
import { CopyButton, CopyField, Dialog, DialogFooter, Switch } from '../components/controls';
import { ErrorBanner, Loading, Notice } from '../components/feedback';
import { useResource } from '../hooks/use-resource';
import { curlCommand, type AuthMethod, type Mode } from '../model/curl';
import { inputFieldsOf, requestNameOf } from '../model/document';
import { exampleInputs, isRequired } from '../model/inputs';
import { readSession } from '../session';
import { ScheduleSection } from './schedule-section';

/**
 * The seed's settings page: the callout trigger and responsive switches, the schedule, the inputs,
 * the endpoints and credentials (copy, rotate), and curl commands ready to paste.
 */
export function SettingsTab({ workflow, onChanged }: { workflow: Workflow; onChanged: () => void }) {
  const settings = useResource((signal) => getSettings(workflow.id, signal), `${workflow.id}|${workflow.updatedAt}`);
  const document = useResource(
    (signal) => exportVersion(workflow.id, undefined, signal),
    `${workflow.id}|${workflow.updatedAt}`,
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [rotated, setRotated] = useState<WorkflowSettings | undefined>();
  const [isRotating, setRotating] = useState(false);

  const current = rotated ?? settings.data;

  const toggle = async (key: 'callout_trigger' | 'sync_trigger', value: boolean): Promise<void> => {
    setBusy(key);
    setError(undefined);
    try {
      await patchWorkflow(workflow.id, { [key]: value });
      setRotated(undefined);
      onChanged();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="stack">
      <section className="card" aria-labelledby="triggers-heading">
        <h2 id="triggers-heading">Triggers</h2>
        <ErrorBanner error={error} />
        <Switch
          label="Callout trigger"
          description="Outside systems may start this workflow over HTTP with its API token or basic credentials."
          isOn={workflow.calloutTrigger}
          isBusy={busy === 'callout_trigger'}
          onChange={(next) => void toggle('callout_trigger', next)}
        />
        <Switch
          label="Responsive mode"
          description="The responsive endpoint runs the workflow at once and answers with its result (needs the callout trigger)."
          isOn={workflow.syncTrigger}
          isBusy={busy === 'sync_trigger'}
          onChange={(next) => void toggle('sync_trigger', next)}
        />
        {workflow.status !== 'Active' ? (
          <Notice tone="warning">This workflow is inactive: triggers answer 400 until it is activated.</Notice>
        ) : null}
      </section>

      <section className="card" aria-labelledby="credentials-heading">
        <div className="card-head">
          <h2 id="credentials-heading">Endpoints and credentials</h2>
          <button type="button" className="button" onClick={() => setRotating(true)} disabled={!current}>
            Rotate credentials
          </button>
        </div>
        <ErrorBanner error={settings.error} onRetry={settings.reload} />
        {!current && settings.isLoading ? <Loading /> : null}
        {rotated ? <Notice tone="success">New credentials are in place; the old ones no longer work.</Notice> : null}
        {current ? (
          <div className="credentials">
            <div className="grid-2">
              <CopyField label="Standard endpoint" value={current.endpoints.run} />
              <CopyField label="Responsive endpoint" value={current.endpoints.sync} />
            </div>
            <CopyField label="API token" value={current.api_token} isSecret />
            <div className="grid-2">
              <CopyField label="Basic auth username" value={current.basic_auth.username} />
              <CopyField label="Basic auth password" value={current.basic_auth.password} isSecret />
            </div>
          </div>
        ) : null}
        <p className="hint">
          Send the token in an <code>API-Token</code> header, or the username and password as HTTP basic. Never in the
          URL.
        </p>
      </section>

      <ScheduleSection workflow={workflow} onChanged={onChanged} />

      <section className="card" aria-labelledby="inputs-heading">
        <h2 id="inputs-heading">Inputs</h2>
        <ErrorBanner error={document.error} />
        {document.data ? (
          <InputsTable fields={inputFieldsOf(document.data)} />
        ) : document.isLoading ? (
          <Loading />
        ) : null}
      </section>

      {current ? (
        <CurlSection
          workflowId={workflow.id}
          settings={current}
          inputs={exampleInputs(inputFieldsOf(document.data))}
          isCalloutOn={workflow.calloutTrigger}
          isSyncOn={workflow.syncTrigger}
        />
      ) : null}

      {isRotating ? (
        <RotateDialog
          workflowId={workflow.id}
          onClose={() => setRotating(false)}
          onRotated={(next) => {
            setRotated(next);
            setRotating(false);
          }}
        />
      ) : null}
    </div>
  );
}

function InputsTable({ fields }: { fields: ReturnType<typeof inputFieldsOf> }) {
  if (fields.length === 0) {
    return <p className="muted">This version declares no inputs. Undeclared request parameters are ignored.</p>;
  }
  return (
    <div className="table-wrap">
      <table className="table table-compact">
        <caption className="visually-hidden">Declared inputs</caption>
        <thead>
          <tr>
            <th scope="col">Request name</th>
            <th scope="col">Placed at</th>
            <th scope="col">Datatype</th>
            <th scope="col">Required</th>
            <th scope="col">Default</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((field) => (
            <tr key={`${field.object_name}.${field.field_name}`}>
              <td className="mono">{requestNameOf(field)}</td>
              <td className="mono">
                Data.{field.object_name}.{field.field_name}
              </td>
              <td>{field.datatype}</td>
              <td>{isRequired(field) ? 'Yes' : 'No'}</td>
              <td className="mono">
                {field.default === undefined || field.default === null || field.default === ''
                  ? '—'
                  : String(typeof field.default === 'object' ? JSON.stringify(field.default) : field.default)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const AUTH_LABELS: Record<AuthMethod, string> = { token: 'API token', basic: 'Basic auth', oauth: 'OAuth' };
const MODE_LABELS: Record<Mode, string> = { run: 'Standard', sync: 'Responsive' };

function CurlSection(props: {
  workflowId: number;
  settings: WorkflowSettings;
  inputs: Record<string, unknown>;
  isCalloutOn: boolean;
  isSyncOn: boolean;
}) {
  const [auth, setAuth] = useState<AuthMethod>('token');
  const [isShown, setShown] = useState(false);
  const groupName = useId();
  const commands = useMemo(() => {
    const options = {
      workflowId: props.workflowId,
      settings: props.settings,
      baseUrl: window.location.origin,
      clientId: readSession()?.clientId ?? '',
      inputs: props.inputs,
    };
    // Shown with the secrets masked unless asked; the copy buttons always copy the real command.
    const masked = { ...options, settings: maskSecrets(props.settings) };
    return (['run', 'sync'] as Mode[]).map((mode) => ({
      mode,
      command: curlCommand(mode, auth, options),
      shown: curlCommand(mode, auth, isShown ? options : masked),
    }));
  }, [auth, isShown, props.workflowId, props.settings, props.inputs]);

  return (
    <section className="card" aria-labelledby="curl-heading">
      <h2 id="curl-heading">Trigger it with curl</h2>
      {!props.isCalloutOn ? (
        <Notice tone="warning">Turn the callout trigger on first: until then these answer 400.</Notice>
      ) : null}
      <div className="toolbar">
        <fieldset className="segmented">
          <legend className="visually-hidden">Authentication</legend>
          {(Object.keys(AUTH_LABELS) as AuthMethod[]).map((key) => (
            <label key={key} className={auth === key ? 'is-checked' : undefined}>
              <input type="radio" name={groupName} value={key} checked={auth === key} onChange={() => setAuth(key)} />
              {AUTH_LABELS[key]}
            </label>
          ))}
        </fieldset>
        <button
          type="button"
          className="button button-small"
          aria-pressed={isShown}
          onClick={() => setShown((v) => !v)}
        >
          {isShown ? 'Hide secrets' : 'Show secrets'}
        </button>
      </div>
      {commands.map(({ mode, command, shown }) => (
        <div key={mode} className="curl">
          <div className="curl-head">
            <h3>
              {MODE_LABELS[mode]} mode · {AUTH_LABELS[auth]}
            </h3>
            {command ? (
              <CopyButton value={command} label={`${MODE_LABELS[mode]} curl command with ${AUTH_LABELS[auth]}`} />
            ) : null}
          </div>
          {command ? (
            <pre
              className="code"
              tabIndex={0}
              aria-label={`${MODE_LABELS[mode]} curl command with ${AUTH_LABELS[auth]}`}
            >
              {shown}
            </pre>
          ) : (
            <p className="muted">
              The responsive endpoint takes the workflow’s own credentials (API token or basic auth). With OAuth, use
              the standard mode above, then read the run at <code>/workflows/workflow_runs/&lt;id&gt;</code>.
            </p>
          )}
          {mode === 'sync' && command && !props.isSyncOn ? (
            <p className="hint">Responsive mode is off: this answers 400 until it is turned on.</p>
          ) : null}
        </div>
      ))}
      {auth === 'oauth' ? (
        <p className="hint">
          Replace <code>&lt;client secret&gt;</code> with your client’s secret; Weir never shows it again.
        </p>
      ) : null}
    </section>
  );
}

const MASK = '••••••••';

function maskSecrets(settings: WorkflowSettings): WorkflowSettings {
  return { ...settings, api_token: MASK, basic_auth: { username: settings.basic_auth.username, password: MASK } };
}

function RotateDialog({
  workflowId,
  onClose,
  onRotated,
}: {
  workflowId: number;
  onClose: () => void;
  onRotated: (settings: WorkflowSettings) => void;
}) {
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const rotate = async (): Promise<void> => {
    setBusy(true);
    try {
      onRotated(await rotateCredentials(workflowId));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title="Rotate the credentials?"
      onClose={onClose}
      footer={
        <DialogFooter onCancel={onClose}>
          <button type="button" className="button button-danger" disabled={isBusy} onClick={() => void rotate()}>
            Rotate now
          </button>
        </DialogFooter>
      }
    >
      <ErrorBanner error={error} />
      <p>
        A new API token and new basic credentials replace the current ones at once. Callers that still send the old ones
        get 401 until they are updated.
      </p>
    </Dialog>
  );
}
