import { useEffect, useId, useMemo, useState } from 'react';
import { listRuns, listWorkflows } from '../api/endpoints';
import { RUN_RESULTS, RUN_STATUSES, type RunMode, type RunResult, type RunStatus } from '../api/types';
import { EmptyState, ErrorBanner, Loading } from '../components/feedback';
import { usePolling, useResource } from '../hooks/use-resource';
import { runQueryOf, runsHref, type RunFilters } from '../model/run-filters';
import { navigate } from '../router';
import { PageHeading } from './page-heading';
import { RunTable } from './run-table';

const PAGE_LENGTH = 25;
/**
 * The Runs page is read again this often while it is open and visible: runs arrive from every
 * workflow, so there is no "nothing moves" moment to stop at. 3 s keeps "what failed just now" fresh
 * for one page of 25 rows, one small request.
 */
export const RUNS_PAGE_POLL_MS = 3000;

/** Every run, newest first, filtered by workflow, status, result, mode, dates and input text; live while open. */
export function RunsPage({ filters }: { filters: RunFilters }) {
  const key = runsHref(filters);
  const runs = useResource((signal) => listRuns(runQueryOf(filters, PAGE_LENGTH), signal), key, {
    isKeptAcrossKeys: true,
  });
  // The API's largest workflow page: the filter lists those 50; a run of another shows its workflow's id.
  const workflows = useResource((signal) => listWorkflows({ pageLength: 50 }, signal), 'all');
  const names = useMemo(
    () => new Map((workflows.data?.data ?? []).map((w) => [w.id, w.name] as const)),
    [workflows.data],
  );
  usePolling(runs.reload, RUNS_PAGE_POLL_MS, true);
  const page = filters.page ?? 1;
  const rows = runs.data?.data ?? [];
  const set = (change: Partial<RunFilters>): void => {
    // Any filter change starts again at the first page.
    navigate(runsHref({ ...filters, page: undefined, ...change }));
  };
  const isFiltered = Object.entries(filters).some(([name, value]) => name !== 'page' && value !== undefined);

  return (
    <>
      <PageHeading title="Runs" documentTitle="Runs" />
      <RunFilterBar
        filters={filters}
        workflowOptions={workflows.data?.data ?? []}
        onChange={set}
        isLoading={runs.isLoading && runs.data !== undefined}
      />
      <ErrorBanner error={runs.error} onRetry={runs.reload} />
      {runs.isLoading && !runs.data ? <Loading label="Loading runs…" /> : null}
      {runs.data && rows.length === 0 ? (
        <EmptyState title={isFiltered ? 'No run matches these filters.' : 'No runs yet.'}>
          {isFiltered ? (
            <button type="button" className="button" onClick={() => navigate(runsHref())}>
              Clear the filters
            </button>
          ) : (
            <p>Runs of every workflow show here, newest first.</p>
          )}
        </EmptyState>
      ) : null}
      {rows.length > 0 ? <RunTable runs={rows} workflowNames={names} caption="Runs of every workflow" /> : null}
      {runs.data && (page > 1 || runs.data.pagination.next_page) ? (
        <nav className="pager" aria-label="Run pages">
          <a
            className={`button${page <= 1 ? ' is-disabled' : ''}`}
            aria-disabled={page <= 1 ? true : undefined}
            href={page <= 1 ? undefined : runsHref({ ...filters, page: page - 1 })}
          >
            Newer runs
          </a>
          <span className="muted">Page {page}</span>
          <a
            className={`button${runs.data.pagination.next_page ? '' : ' is-disabled'}`}
            aria-disabled={runs.data.pagination.next_page ? undefined : true}
            href={runs.data.pagination.next_page ? runsHref({ ...filters, page: page + 1 }) : undefined}
          >
            Older runs
          </a>
        </nav>
      ) : null}
    </>
  );
}

function RunFilterBar({
  filters,
  workflowOptions,
  onChange,
  isLoading,
}: {
  filters: RunFilters;
  workflowOptions: ReadonlyArray<{ id: number; name: string }>;
  onChange: (change: Partial<RunFilters>) => void;
  isLoading: boolean;
}) {
  const id = useId();
  const [input, setInput] = useState(filters.input ?? '');
  // Typing waits for a pause before it filters, so each key does not cost a request.
  useEffect(() => {
    const typed = input.trim();
    if (typed === (filters.input ?? '')) return;
    const timer = window.setTimeout(() => onChange({ input: typed || undefined }), 350);
    return () => window.clearTimeout(timer);
  }, [input]);
  useEffect(() => setInput(filters.input ?? ''), [filters.input]);

  return (
    <form className="filters" aria-label="Filter runs" onSubmit={(event) => event.preventDefault()}>
      <div className="field">
        <label htmlFor={`${id}-workflow`}>Workflow</label>
        <select
          id={`${id}-workflow`}
          className="input"
          value={filters.workflowId ?? ''}
          onChange={(event) => onChange({ workflowId: event.target.value ? Number(event.target.value) : undefined })}
        >
          <option value="">All workflows</option>
          {workflowOptions.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
          {filters.workflowId !== undefined && !workflowOptions.some((w) => w.id === filters.workflowId) ? (
            <option value={filters.workflowId}>Workflow {filters.workflowId}</option>
          ) : null}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-status`}>Status</label>
        <select
          id={`${id}-status`}
          className="input"
          value={filters.status ?? ''}
          onChange={(event) => onChange({ status: (event.target.value || undefined) as RunStatus | undefined })}
        >
          <option value="">Any status</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-result`}>Result</label>
        <select
          id={`${id}-result`}
          className="input"
          value={filters.result ?? ''}
          onChange={(event) => onChange({ result: (event.target.value || undefined) as RunResult | undefined })}
        >
          <option value="">Any result</option>
          {RUN_RESULTS.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-mode`}>Trigger mode</label>
        <select
          id={`${id}-mode`}
          className="input"
          value={filters.mode ?? ''}
          onChange={(event) => onChange({ mode: (event.target.value || undefined) as RunMode | undefined })}
        >
          <option value="">Any mode</option>
          <option value="standard">Standard</option>
          <option value="sync">Responsive</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-from`}>From</label>
        <input
          id={`${id}-from`}
          className="input"
          type="date"
          value={filters.from ?? ''}
          max={filters.to}
          onChange={(event) => onChange({ from: event.target.value || undefined })}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-to`}>To</label>
        <input
          id={`${id}-to`}
          className="input"
          type="date"
          value={filters.to ?? ''}
          min={filters.from}
          onChange={(event) => onChange({ to: event.target.value || undefined })}
        />
      </div>
      <div className="field field-grow">
        <label htmlFor={`${id}-input`}>Input contains</label>
        <input
          id={`${id}-input`}
          className="input"
          type="search"
          placeholder="Text in the run’s inputs…"
          maxLength={200}
          value={input}
          onChange={(event) => setInput(event.target.value)}
        />
      </div>
      <p className="filters-status muted small" aria-live="polite">
        <span className="pulse" aria-hidden="true" /> {isLoading ? 'Updating…' : 'Live: updates every few seconds'}
      </p>
    </form>
  );
}
