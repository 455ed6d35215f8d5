import { lazy, Suspense, useEffect, useId, useState } from 'react';
import { messageOf } from '../api/client';
import { listRuns, listWorkflows } from '../api/endpoints';
import type { Workflow } from '../api/types';
import { Chip, RunOutcome, StatusBadge } from '../components/badges';
import { EmptyState, ErrorBanner, Loading } from '../components/feedback';
import { useResource } from '../hooks/use-resource';
import { formatRelative, formatTime } from '../model/format';
import { localDate, runQueryOf, runsHref } from '../model/run-filters';
import { runHref, workflowHref } from '../router';
import { PageHeading } from './page-heading';
import { CreateDialog, ImportDialog } from './workflow-dialogs';

// The examples are only needed on an empty Weir: their chunk loads with the empty state.
const ExampleTemplates = lazy(() => import('./example-templates').then((m) => ({ default: m.ExampleTemplates })));

const PAGE_LENGTH = 50;
/** Failures counted per workflow row: past this the row says "100+" (one request per row either way). */
const FAILURE_COUNT_LIMIT = 100;

/** The workflows: search by name, import a file, create an empty one, and each one's last run. */
export function WorkflowListPage() {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(1);
  const [dialog, setDialog] = useState<'import' | 'create' | null>(null);
  const searchId = useId();

  useEffect(() => {
    const timer = window.setTimeout(() => {
      setQuery(search.trim());
      setPage(1);
    }, 250);
    return () => window.clearTimeout(timer);
  }, [search]);

  const list = useResource(
    (signal) => listWorkflows({ name: query || undefined, page, pageLength: PAGE_LENGTH }, signal),
    `${query}|${page}`,
  );
  const workflows = list.data?.data ?? [];

  return (
    <>
      <PageHeading title="Workflows">
        <button type="button" className="button" onClick={() => setDialog('import')}>
          Import workflow
        </button>
        <button type="button" className="button button-primary" onClick={() => setDialog('create')}>
          New workflow
        </button>
      </PageHeading>

      <div className="toolbar">
        <label htmlFor={searchId} className="visually-hidden">
          Search workflows by name
        </label>
        <input
          id={searchId}
          className="input search"
          type="search"
          placeholder="Search by name…"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        {list.isLoading && list.data ? <span className="muted small">Updating…</span> : null}
      </div>

      <ErrorBanner error={list.error} onRetry={list.reload} />
      <FailureSummary />
      {list.isLoading && !list.data ? <Loading label="Loading workflows…" /> : null}
      {list.data && workflows.length === 0 ? (
        query ? (
          <EmptyState title={`No workflow’s name contains “${query}”.`}>
            <button type="button" className="button" onClick={() => setSearch('')}>
              Clear the search
            </button>
          </EmptyState>
        ) : (
          <EmptyState title="No workflows yet">
            <p>Import a workflow file (an export from Weir or from the reference product), or start an empty one.</p>
            <div className="button-row">
              <button type="button" className="button" onClick={() => setDialog('import')}>
                Import workflow
              </button>
              <button type="button" className="button button-primary" onClick={() => setDialog('create')}>
                New workflow
              </button>
            </div>
            <Suspense fallback={<Loading label="Loading the examples…" />}>
              <ExampleTemplates />
            </Suspense>
          </EmptyState>
        )
      ) : null}

      {workflows.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Workflows</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Triggers</th>
                <th scope="col">Active version</th>
                <th scope="col">Last run</th>
                <th scope="col">Failed, 7 days</th>
              </tr>
            </thead>
            <tbody>
              {workflows.map((workflow) => (
                <WorkflowRow key={workflow.id} workflow={workflow} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}

      {list.data && (page > 1 || list.data.pagination.next_page) ? (
        <nav className="pager" aria-label="Workflow pages">
          <button type="button" className="button" disabled={page <= 1} onClick={() => setPage((p) => p - 1)}>
            Previous page
          </button>
          <span className="muted">Page {page}</span>
          <button
            type="button"
            className="button"
            disabled={!list.data.pagination.next_page}
            onClick={() => setPage((p) => p + 1)}
          >
            Next page
          </button>
        </nav>
      ) : null}

      {dialog === 'import' ? <ImportDialog onClose={() => setDialog(null)} /> : null}
      {dialog === 'create' ? <CreateDialog onClose={() => setDialog(null)} /> : null}
    </>
  );
}

export function triggerChips(
  workflow: Pick<Workflow, 'calloutTrigger' | 'syncTrigger' | 'scheduledTrigger' | 'ondemandTrigger'>,
) {
  const chips: string[] = [];
  if (workflow.calloutTrigger) chips.push(workflow.syncTrigger ? 'Callout · responsive' : 'Callout');
  if (workflow.scheduledTrigger) chips.push('Scheduled');
  if (workflow.ondemandTrigger) chips.push('On demand');
  return chips;
}

function WorkflowRow({ workflow }: { workflow: Workflow }) {
  const chips = triggerChips(workflow);
  return (
    <tr>
      <td>
        <a className="row-link" href={workflowHref(workflow.id)}>
          {workflow.name}
        </a>
        {workflow.description ? <div className="muted small clamp">{workflow.description}</div> : null}
      </td>
      <td>
        <StatusBadge status={workflow.status} />
      </td>
      <td>
        {chips.length > 0 ? (
          <div className="chips">
            {chips.map((chip) => (
              <Chip key={chip}>{chip}</Chip>
            ))}
          </div>
        ) : (
          <span className="muted">None</span>
        )}
      </td>
      <td>
        {workflow.active_version ? (
          <span className="mono">{workflow.active_version.version}</span>
        ) : (
          <span className="muted">None</span>
        )}
      </td>
      <td>
        <LastRun workflowId={workflow.id} />
      </td>
      <td>
        <RecentFailures workflowId={workflow.id} />
      </td>
    </tr>
  );
}

function LastRun({ workflowId }: { workflowId: number }) {
  const last = useResource((signal) => listRuns({ workflowId, pageLength: 1 }, signal), String(workflowId));
  if (last.error)
    return (
      <span className="muted" title={messageOf(last.error)}>
        Unknown
      </span>
    );
  if (!last.data) return <span className="muted">…</span>;
  const run = last.data.data[0];
  if (!run) return <span className="muted">Never run</span>;
  return (
    <div className="last-run">
      <RunOutcome status={run.status} result={run.result} />
      <a href={runHref(run.id)} title={formatTime(run.createdAt)}>
        {formatRelative(run.createdAt)}
      </a>
    </div>
  );
}

/** The local date a week's failure count starts at: today and the six days before it. */
function failureWindowStart(): string {
  const start = new Date();
  start.setDate(start.getDate() - 6);
  return localDate(start);
}

/** How many runs of a workflow ended in Error in the last 7 days, linked to those runs. */
function RecentFailures({ workflowId }: { workflowId: number }) {
  const from = failureWindowStart();
  const failures = useResource(
    (signal) => listRuns(runQueryOf({ workflowId, result: 'Error', from }, FAILURE_COUNT_LIMIT), signal),
    `${workflowId}|${from}`,
  );
  if (failures.error)
    return (
      <span className="muted" title={messageOf(failures.error)}>
        Unknown
      </span>
    );
  if (!failures.data) return <span className="muted">…</span>;
  const count = failures.data.data.length;
  if (count === 0) return <span className="muted">None</span>;
  const text = failures.data.pagination.next_page ? `${count}+ failed` : `${count} failed`;
  return (
    <a className="failure-count" href={runsHref({ workflowId, result: 'Error', from })}>
      {text}
    </a>
  );
}

/** Failures first: a line above the list when any run of any workflow failed in the last 7 days. */
function FailureSummary() {
  const from = failureWindowStart();
  const failures = useResource(
    (signal) => listRuns(runQueryOf({ result: 'Error', from }, FAILURE_COUNT_LIMIT), signal),
    from,
  );
  const count = failures.data?.data.length ?? 0;
  if (count === 0) return null;
  const latest = failures.data?.data[0];
  return (
    <div className="banner banner-error failure-summary" role="status">
      <div>
        <strong>
          {failures.data?.pagination.next_page ? `${count}+` : count} {count === 1 ? 'run' : 'runs'} failed in the last
          7 days.
        </strong>{' '}
        {latest ? <>The latest {formatRelative(latest.createdAt)}. </> : null}
        <a href={runsHref({ result: 'Error', from })}>See the failed runs</a>
      </div>
    </div>
  );
}
