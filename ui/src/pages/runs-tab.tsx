import { useId, useState } from 'react';
import { listRuns } from '../api/endpoints';
import { LIVE_RUN_STATUSES, RUN_STATUSES, type RunStatus } from '../api/types';
import { EmptyState, ErrorBanner, Loading } from '../components/feedback';
import { RUN_POLL_MS, usePolling, useResource } from '../hooks/use-resource';
import { runsHref } from '../model/run-filters';
import { workflowHref } from '../router';
import { RunTable } from './run-table';

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
        <a className="small" href={runsHref({ workflowId })}>
          More filters on the Runs page
        </a>
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
      {rows.length > 0 ? <RunTable runs={rows} caption="Runs" /> : null}
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
