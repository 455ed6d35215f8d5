import type { RunResult, RunStatus, TaskStatus, WorkflowStatus } from '../api/types';

export type Tone = 'success' | 'error' | 'running' | 'waiting' | 'queued' | 'stopped' | 'neutral';

const TONES: Record<string, Tone> = {
  Success: 'success',
  Finished: 'success',
  Active: 'success',
  Error: 'error',
  Processing: 'running',
  Pending: 'waiting',
  Queued: 'queued',
  Stopping: 'stopped',
  Stopped: 'stopped',
  Inactive: 'neutral',
};

export function toneOf(status: string | null | undefined): Tone {
  return (status && TONES[status]) || 'neutral';
}

/** A status as a coloured pill; the word is always there (colour is never the only signal). */
export function StatusBadge({
  status,
  label,
  tone,
}: {
  status: RunStatus | TaskStatus | WorkflowStatus | RunResult | string | null | undefined;
  label?: string;
  /** The colour, when the word is not a status (an outcome's headline). */
  tone?: Tone;
}) {
  if (!status) return <span className="badge badge-neutral">—</span>;
  return (
    <span className={`badge badge-${tone ?? toneOf(status)}`} title={label}>
      <span className="badge-dot" aria-hidden="true" />
      {status}
    </span>
  );
}

/** A run's status and, once finished, its result. */
export function RunOutcome({ status, result }: { status: RunStatus; result: RunResult | null }) {
  if (status === 'Finished' && result) {
    return <StatusBadge status={result === 'Success' ? 'Success' : 'Error'} label={`Finished, result ${result}`} />;
  }
  return <StatusBadge status={status} />;
}

export function Chip({ children }: { children: React.ReactNode }) {
  return <span className="chip">{children}</span>;
}
