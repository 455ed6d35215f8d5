import type { RunSummary } from '../api/types';
import { RunOutcome, StatusBadge } from '../components/badges';
import { formatDuration, formatRelative, formatTime } from '../model/format';
import { runHref, workflowHref } from '../router';

/** How a run was triggered, in words: responsive (sync) or standard, and by whom when the API says. */
export function modeLabel(mode: string): string {
  return mode === 'sync' ? 'Responsive' : 'Standard';
}

/**
 * Runs as a table, newest first as the API answers them: the run, its workflow (when `workflowNames`
 * is given), status, result, when, how long, mode and run user.
 */
export function RunTable({
  runs,
  workflowNames,
  caption,
}: {
  runs: readonly RunSummary[];
  /** Shows the workflow column; names by workflow id (ids without a name are shown as ids). */
  workflowNames?: ReadonlyMap<number, string>;
  caption: string;
}) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            {workflowNames ? <th scope="col">Workflow</th> : null}
            <th scope="col">Status</th>
            <th scope="col">Result</th>
            <th scope="col">Created</th>
            <th scope="col">Duration</th>
            <th scope="col">Mode</th>
            <th scope="col">Run user</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id} className={run.result === 'Error' ? 'row-error' : undefined}>
              <td>
                <a className="row-link mono" href={runHref(run.id)}>
                  {run.name}
                </a>
              </td>
              {workflowNames ? (
                <td>
                  <a href={workflowHref(run.originalWorkflowId)}>
                    {workflowNames.get(run.originalWorkflowId) ?? `Workflow ${run.originalWorkflowId}`}
                  </a>
                </td>
              ) : null}
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td>
                {run.result ? <RunOutcome status="Finished" result={run.result} /> : <span className="muted">—</span>}
              </td>
              <td title={formatTime(run.createdAt)}>{formatRelative(run.createdAt)}</td>
              <td>{formatDuration(run.runTime)}</td>
              <td>{modeLabel(run.mode)}</td>
              <td className="mono small clamp-line" title={run.runUser}>
                {run.runUser ?? <span className="muted">—</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
