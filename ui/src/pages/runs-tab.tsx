import { useId, useState } from 'react';
import { listRuns } from '../api/endpoints';
import { LIVE_RUN_STATUSES, RUN_STATUSES, type RunStatus } from '../api/types';
import { RunOutcome, StatusBadge } from '../components/badges';
import { EmptyState, ErrorBanner, Loading } from '../components/feedback';
import { RUN_POLL_MS, usePolling, useResource } from '../hooks/use-resource';
import { formatDuration, formatRelative, formatTime } from '../model/format';
import { runHref, workflowHref } from '../router';

const PAGE_LENGTH = 20;

/** Run history: status, result, start, duration; filter by status; refreshed while runs move. */
export function RunsTab({ workflowId }: { workflowId: number }) {
  const [status, setStatus] = useState<RunStatus | ''>('');
  const [page, setPage] = useState(1);
  const filterId = useId();
  const runs = useResource(
    (signal) => listRuns({ workflowId, status, page, pageLength: PAGE_LENGTH }, signal),
    `${workflowId}|${status}|${page}`,
  );
  const rows = runs.data?.data ?? [];
  const isLive = rows.some((run) => LIVE_RUN_STATUSES.includes(run.status));
  usePolling(runs.reload, RUN_POLL_MS, isLive);

  return (
    <div>
      <div className="toolbar">
        <label htmlFor={filterId}>Status</label>
        <select
          id={filterId}
          className="input input-auto"
          value={status}
          onChange={(event) => {
            setStatus(event.target.value as RunStatus | '');
            setPage(1);
          }}
        >
          <option value="">All</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <button type="button" className="button button-small" onClick={runs.reload}>
          Refresh
        </button>
        {isLive ? (
          <span className="muted small live">
            <span className="pulse" aria-hidden="true" /> Updating while runs move
          </span>
        ) : null}
      </div>
      <ErrorBanner error={runs.error} onRetry={runs.reload} />
      {runs.isLoading && !runs.data ? <Loading label="Loading runs…" /> : null}
      {runs.data && rows.length === 0 ? (
        <EmptyState title={status ? `No ${status} runs.` : 'No runs yet.'}>
          {status ? null : (
            <p>
              <a href={workflowHref(workflowId, 'run')}>Run it</a> from here, or trigger it over HTTP (see Settings).
            </p>
          )}
        </EmptyState>
      ) : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Runs</caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Result</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Mode</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((run) => (
                <tr key={run.id}>
                  <td>
                    <a className="row-link mono" href={runHref(run.id)}>
                      {run.name}
                    </a>
                  </td>
                  <td>
                    <StatusBadge status={run.status} />
                  </td>
                  <td>
                    {run.result ? (
                      <RunOutcome status="Finished" result={run.result} />
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td title={formatTime(run.createdAt)}>{formatRelative(run.createdAt)}</td>
                  <td>{formatDuration(run.runTime)}</td>
                  <td>{run.mode === 'sync' ? 'Responsive' : 'Standard'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {runs.data && (page > 1 || runs.data.pagination.next_page) ? (
        <nav className="pager" aria-label="Run pages">
          <button type="button" className="button" disabled={page <= 1} onClick={() => setPage((p) => p - 1)}>
            Newer runs
          </button>
          <span className="muted">Page {page}</span>
          <button
            type="button"
            className="button"
            disabled={!runs.data.pagination.next_page}
            onClick={() => setPage((p) => p + 1)}
          >
            Older runs
          </button>
        </nav>
      ) : null}
    </div>
  );
}
