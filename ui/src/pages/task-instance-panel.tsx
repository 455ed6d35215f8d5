import { useId, useState } from 'react';
import { decideApproval, rerunTaskInstance } from '../api/endpoints';
import type { TaskInstance } from '../api/types';
import { StatusBadge } from '../components/badges';
import { JsonView } from '../components/controls';
import { Unavailable } from '../components/feedback';
import { shortTypeName } from '../editor/task-library';
import { calloutExchange } from '../model/callout-exchange';
import { durationBetween, formatDuration, formatTime } from '../model/format';
import { CalloutExchangeView } from './callout-exchange-view';
import { RerunForm } from './rerun-form';

const FINAL = ['Success', 'Error', 'Stopped'];

/** A task instance: its error, input Data, output, log and parameters, a rerun, and an approval's decision. */
export function TaskInstancePanel({
  instance,
  onRerun,
  onDecided,
  onSelect,
}: {
  instance: TaskInstance;
  onRerun: (rerun: TaskInstance) => void;
  /** An Approval instance was approved or rejected. */
  onDecided: () => void;
  /** Shows another task instance (the rerun of this one, or the one it reran). */
  onSelect: (id: number) => void;
}) {
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const [isEditing, setEditing] = useState(false);
  const rerun = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      onRerun(await rerunTaskInstance(instance.id));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const hasError = instance.status === 'Error' || instance.error || instance.error_class;
  const seconds = durationBetween(instance.start_time, instance.end_time);
  const exchange = calloutExchange(instance);
  return (
    <div className="task-details">
      <div className="eyebrow">
        {shortTypeName(instance.action_type)} task instance <span className="mono">#{instance.id}</span>
      </div>
      <h2 className="side-title">
        {instance.name} <StatusBadge status={instance.status} />
      </h2>
      <dl className="params params-compact">
        <div>
          <dt>Started</dt>
          <dd>{formatTime(instance.start_time)}</dd>
        </div>
        <div>
          <dt>Ended</dt>
          <dd>{formatTime(instance.end_time)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(seconds)}</dd>
        </div>
        {instance.attempt !== undefined ? (
          <div>
            <dt>Attempt</dt>
            <dd>{instance.attempt}</dd>
          </div>
        ) : null}
        {instance.rerun_by ? (
          <div>
            <dt>Rerun as</dt>
            <dd>
              <button type="button" className="link-button mono" onClick={() => onSelect(instance.rerun_by as number)}>
                #{instance.rerun_by}
              </button>
            </dd>
          </div>
        ) : null}
        {instance.rerun_of ? (
          <div>
            <dt>Rerun of</dt>
            <dd>
              <button type="button" className="link-button mono" onClick={() => onSelect(instance.rerun_of as number)}>
                #{instance.rerun_of}
              </button>
            </dd>
          </div>
        ) : null}
      </dl>
      {FINAL.includes(instance.status) && !instance.rerun_by && !isEditing ? (
        <div className="button-row">
          <button
            type="button"
            className={`button ${instance.status === 'Error' ? 'button-primary' : ''}`}
            disabled={isBusy}
            onClick={() => void rerun()}
          >
            {isBusy ? 'Rerunning…' : 'Rerun this task'}
          </button>
          <button type="button" className="button" disabled={isBusy} onClick={() => setEditing(true)}>
            Edit Data first…
          </button>
        </div>
      ) : null}
      {isEditing && !instance.rerun_by ? (
        <RerunForm instance={instance} onRerun={onRerun} onCancel={() => setEditing(false)} />
      ) : null}
      {error ? <Unavailable error={error} what="Rerunning a task" endpoint="POST /workflows/tasks/{id}/rerun" /> : null}
      {instance.action_type === 'Approval' && instance.status === 'Pending' && instance.waiting_on === 'approval' ? (
        <ApprovalDecision instance={instance} onDecided={onDecided} />
      ) : null}
      {hasError ? (
        <section className="error-box" aria-label="Error">
          <h3>Error</h3>
          {instance.error_class ? <p className="mono">{instance.error_class}</p> : null}
          {instance.error ? <p>{instance.error}</p> : null}
          {instance.error_details ? <JsonView value={instance.error_details} label="Error details" /> : null}
        </section>
      ) : null}
      {exchange ? <CalloutExchangeView exchange={exchange} /> : null}
      <details open={!exchange}>
        <summary>Input Data</summary>
        <JsonView value={instance.data} label={`Input Data of ${instance.name}`} emptyText="No input Data recorded." />
      </details>
      <details open={instance.status === 'Success' && !exchange}>
        <summary>Output Data</summary>
        <JsonView value={instance.data_out} label={`Output Data of ${instance.name}`} emptyText="No output (yet)." />
      </details>
      <details open={Boolean(instance.log)}>
        <summary>Log</summary>
        {instance.log ? (
          <pre className="code" tabIndex={0} aria-label={`Log of ${instance.name}`}>
            {instance.log}
          </pre>
        ) : (
          <p className="muted">Nothing logged.</p>
        )}
      </details>
      <details>
        <summary>Parameters</summary>
        <JsonView value={instance.parameters} label={`Parameters of ${instance.name}`} />
      </details>
    </div>
  );
}

/** Approve or reject a `Pending` Approval task instance, with an optional comment. */
function ApprovalDecision({ instance, onDecided }: { instance: TaskInstance; onDecided: () => void }) {
  const commentId = useId();
  const hintId = useId();
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<'approve' | 'reject' | null>(null);
  const decide = async (decision: 'approve' | 'reject'): Promise<void> => {
    setBusy(decision);
    setError(undefined);
    try {
      await decideApproval(instance.id, decision, comment);
      onDecided();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };
  return (
    <section className="approval" aria-label="Approval decision">
      <div className="field">
        <label htmlFor={commentId}>Comment (optional)</label>
        <textarea
          id={commentId}
          className="input"
          rows={2}
          value={comment}
          aria-describedby={hintId}
          onChange={(event) => setComment(event.target.value)}
        />
        <p className="hint" id={hintId}>
          Passed on as <span className="mono">Data.Approval.comment</span>.
        </p>
      </div>
      <div className="button-row">
        <button
          type="button"
          className="button button-primary"
          disabled={busy !== null}
          onClick={() => void decide('approve')}
        >
          {busy === 'approve' ? 'Approving…' : 'Approve'}
        </button>
        <button
          type="button"
          className="button button-danger"
          disabled={busy !== null}
          onClick={() => void decide('reject')}
        >
          {busy === 'reject' ? 'Rejecting…' : 'Reject'}
        </button>
      </div>
      {error ? (
        <Unavailable
          error={error}
          what="Approving or rejecting a task"
          endpoint="POST /workflows/tasks/{id}/approve or /reject"
        />
      ) : null}
    </section>
  );
}
