import { useMemo, useState } from 'react';
import { ApiError } from '../api/client';
import { exportVersion, getRun, getWorkflow, listTaskInstances, listVersions, stopRun } from '../api/endpoints';
import { LIVE_RUN_STATUSES, LIVE_TASK_STATUSES, type RunDetail, type TaskInstance } from '../api/types';
import { RunOutcome } from '../components/badges';
import { ErrorBanner, Loading, Notice, Unavailable } from '../components/feedback';
import type { TaskOverlay } from '../graph/workflow-graph';
import { WorkflowGraph } from '../graph/workflow-graph';
import { RUN_POLL_MS, usePolling, useResource } from '../hooks/use-resource';
import type { WorkflowDocument } from '../model/document';
import { formatDuration, formatTime } from '../model/format';
import { describeOutcome } from '../model/run-outcome';
import { workflowHref } from '../router';
import { PageHeading } from './page-heading';
import { TaskInstancePanel } from './task-instance-panel';
import { modeLabel } from './run-table';
import { Timeline } from './timeline';

/** The graph a run ran: the version its task instances name, else the workflow's current one. */
async function loadRunGraph(
  run: RunDetail,
  instances: TaskInstance[] | undefined,
  signal: AbortSignal,
): Promise<{ document: WorkflowDocument; version: string | undefined; isExact: boolean }> {
  const versionId = instances?.find((i) => typeof i.original_workflow_id === 'number')?.original_workflow_id;
  if (versionId !== undefined && versionId !== null) {
    const versions = await listVersions(run.originalWorkflowId, signal);
    const version = versions.data.find((v) => v.id === versionId);
    if (version) {
      return {
        document: await exportVersion(run.originalWorkflowId, version.version, signal),
        version: version.version,
        isExact: true,
      };
    }
  }
  return {
    document: await exportVersion(run.originalWorkflowId, undefined, signal),
    version: undefined,
    isExact: false,
  };
}

/** One run: its graph coloured by task status, a timeline, the selected task instance's Data; rerun, stop. */
export function RunPage({ runId }: { runId: number }) {
  const run = useResource((signal) => getRun(runId, signal), String(runId));
  const instances = useResource((signal) => listTaskInstances(runId, signal), String(runId));
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [stopError, setStopError] = useState<unknown>();
  const [isStopping, setStopping] = useState(false);

  const detail = run.data;
  const list = instances.data;
  const workflowId = detail?.originalWorkflowId;
  const workflow = useResource(
    (signal) => (workflowId === undefined ? Promise.resolve(undefined) : getWorkflow(workflowId, signal)),
    String(workflowId),
  );
  const versionKey = list?.find((i) => typeof i.original_workflow_id === 'number')?.original_workflow_id;
  // The graph waits for the task instances: they name the version the run used.
  const areInstancesSettled = instances.data !== undefined || instances.error !== undefined;
  const graph = useResource(
    (signal) => (detail && areInstancesSettled ? loadRunGraph(detail, list, signal) : Promise.resolve(undefined)),
    `${workflowId}|${areInstancesSettled ? (versionKey ?? 'current') : 'waiting'}`,
  );

  const isLive =
    (detail !== undefined && LIVE_RUN_STATUSES.includes(detail.status)) ||
    (list ?? []).some((i) => LIVE_TASK_STATUSES.includes(i.status));
  usePolling(
    () => {
      run.reload();
      if (!(instances.error instanceof ApiError)) instances.reload();
    },
    RUN_POLL_MS,
    isLive,
  );

  const overlays = useMemo(() => {
    const byTask = new Map<string, TaskOverlay>();
    const counts = new Map<string, number>();
    const latest = new Map<string, TaskInstance>();
    for (const instance of list ?? []) {
      const key = String(instance.original_task_id);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const current = latest.get(key);
      if (!current || instance.id > current.id) latest.set(key, instance);
    }
    for (const [key, instance] of latest) {
      const count = counts.get(key) ?? 1;
      byTask.set(key, { status: instance.status, ...(count > 1 ? { note: `${count} instances` } : {}) });
    }
    return byTask;
  }, [list]);

  const selected = list?.find((i) => i.id === selectedId);
  const selectTask = (taskId: string | null): void => {
    if (taskId === null) return;
    const candidates = (list ?? []).filter((i) => String(i.original_task_id) === taskId);
    const latest = candidates.sort((a, b) => b.id - a.id)[0];
    if (latest) setSelectedId(latest.id);
  };

  if (!detail) {
    return (
      <>
        <PageHeading title={run.error ? 'Run not found' : 'Run'} eyebrow={<a href="#/">Workflows</a>} />
        {run.error ? <ErrorBanner error={run.error} onRetry={run.reload} /> : <Loading label="Loading the run…" />}
      </>
    );
  }

  const stop = async (): Promise<void> => {
    setStopping(true);
    setStopError(undefined);
    try {
      await stopRun(detail.id);
      run.reload();
      instances.reload();
    } catch (caught) {
      setStopError(caught);
    } finally {
      setStopping(false);
    }
  };
  const canStop = LIVE_RUN_STATUSES.includes(detail.status) && detail.status !== 'Stopping';

  return (
    <>
      <PageHeading
        documentTitle={`Run ${detail.name}`}
        eyebrow={
          <>
            <a href="#/">Workflows</a> /{' '}
            <a href={workflowHref(detail.originalWorkflowId, 'runs')}>
              {workflow.data?.name ?? `Workflow ${detail.originalWorkflowId}`}
            </a>
          </>
        }
        title={
          <>
            <span className="mono">{detail.name}</span> <RunOutcome status={detail.status} result={detail.result} />
          </>
        }
      >
        {canStop ? (
          <button type="button" className="button button-danger" disabled={isStopping} onClick={() => void stop()}>
            {isStopping ? 'Stopping…' : 'Stop run'}
          </button>
        ) : null}
      </PageHeading>
      <ErrorBanner error={stopError} title="The run was not stopped." />
      <OutcomeLine run={detail} instances={list} />
      <RunSummaryList run={detail} />
      <RunInputs inputs={detail.inputs} />
      {instances.error ? (
        <Unavailable
          error={instances.error}
          what="Task instances"
          endpoint="GET /workflows/tasks?workflow_id=&instance=true"
          isAny404Missing
        />
      ) : null}

      <div className="split">
        <div className="split-main stack">
          {graph.error ? <ErrorBanner error={graph.error} /> : null}
          {graph.data ? (
            <>
              {!graph.data.isExact ? (
                <p className="muted small">Showing the workflow’s current version; this run may have used another.</p>
              ) : (
                <p className="muted small">Version {graph.data.version}. Select a task to see its Data.</p>
              )}
              <WorkflowGraph
                label={`Graph of run ${detail.name}, tasks coloured by status`}
                tasks={graph.data.document.tasks}
                linkages={graph.data.document.linkages}
                overlays={overlays}
                selectedTaskId={selected ? String(selected.original_task_id) : null}
                onSelectTask={selectTask}
                height={400}
              />
            </>
          ) : graph.isLoading ? (
            <Loading label="Loading the graph…" />
          ) : null}
          {list ? (
            <section className="card" aria-labelledby="timeline-heading">
              <h2 id="timeline-heading">Timeline</h2>
              <Timeline instances={list} selectedId={selectedId} onSelect={setSelectedId} />
            </section>
          ) : instances.isLoading ? (
            <Loading label="Loading task instances…" />
          ) : null}
        </div>
        <aside className="split-side card" aria-label="Task instance">
          {selected ? (
            <TaskInstancePanel
              key={selected.id}
              instance={selected}
              onSelect={setSelectedId}
              onDecided={() => {
                instances.reload();
                run.reload();
              }}
              onRerun={(rerun) => {
                instances.reload();
                run.reload();
                setSelectedId(rerun.id);
              }}
            />
          ) : (
            <>
              <h2 className="side-title">Task instance</h2>
              {list && list.length > 0 ? (
                <p className="muted">
                  Select a task in the graph or the timeline to see its input Data, output, error and log.
                </p>
              ) : list ? (
                <Notice>No task instance has been created yet.</Notice>
              ) : (
                <p className="muted">Task instances are not available.</p>
              )}
            </>
          )}
        </aside>
      </div>
    </>
  );
}

/** Status and result explained in one sentence, coloured by the outcome. */
function OutcomeLine({ run, instances }: { run: RunDetail; instances: TaskInstance[] | undefined }) {
  const outcome = describeOutcome(run, instances);
  return (
    <p className={`outcome-line tone-border-${outcome.tone}`} role="status" aria-label="Outcome">
      <span className="outcome-headline">{outcome.headline}.</span>
      <span>{outcome.explanation}</span>
    </p>
  );
}

/** The declared inputs the run received, one row per field (`Data.<object_name>.<field_name>`). */
function RunInputs({ inputs }: { inputs: Record<string, unknown> | undefined }) {
  if (inputs === undefined || Object.keys(inputs).length === 0) return null;
  const rows = Object.entries(inputs).flatMap(([object, fields]) =>
    fields !== null && typeof fields === 'object' && !Array.isArray(fields)
      ? Object.entries(fields as Record<string, unknown>).map(
          ([field, value]) => [`${object}.${field}`, value] as const,
        )
      : [[object, fields] as const],
  );
  return (
    <section className="card run-inputs" aria-labelledby="run-inputs-heading">
      <h2 id="run-inputs-heading" className="side-title">
        Inputs
      </h2>
      <dl className="params params-compact">
        {rows.map(([name, value]) => (
          <div key={name}>
            <dt className="mono">{name}</dt>
            <dd className="mono">
              <InputValue text={typeof value === 'string' ? value : JSON.stringify(value)} />
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** Past this many characters an input value is folded: a JSON list of 300 items must not fill the page. */
const FOLD_AT = 160;

function InputValue({ text }: { text: string }) {
  if (text.length <= FOLD_AT) return <span className="break-all">{text}</span>;
  return (
    <details className="input-fold">
      <summary className="break-all">
        {text.slice(0, FOLD_AT)}… <span className="muted small">({text.length} characters, show all)</span>
      </summary>
      <pre className="code">{text}</pre>
    </details>
  );
}

function RunSummaryList({ run }: { run: RunDetail }) {
  const counts = run.tasks;
  const hasInputs = run.inputs !== undefined && Object.keys(run.inputs).length > 0;
  return (
    <dl className="summary">
      <div>
        <dt>Status</dt>
        <dd>
          {run.status}
          {run.result ? <span className="muted"> · result {run.result}</span> : null}
        </dd>
      </div>
      <div>
        <dt>Trigger mode</dt>
        <dd>{modeLabel(run.mode)}</dd>
      </div>
      <div>
        <dt>Run user</dt>
        <dd className="mono">{run.runUser ?? '—'}</dd>
      </div>
      <div>
        <dt>Idempotency key</dt>
        <dd className="mono">{run.idempotencyKey ?? <span className="muted">none</span>}</dd>
      </div>
      {run.inputs !== undefined && !hasInputs ? (
        <div>
          <dt>Inputs</dt>
          <dd className="muted">none</dd>
        </div>
      ) : null}
      {run.priority ? (
        <div>
          <dt>Priority</dt>
          <dd>{run.priority}</dd>
        </div>
      ) : null}
      <div>
        <dt>Started</dt>
        <dd>{formatTime(run.startedAt ?? run.createdAt)}</dd>
      </div>
      <div>
        <dt>Finished</dt>
        <dd>{formatTime(run.finishedAt)}</dd>
      </div>
      <div>
        <dt>Duration</dt>
        <dd>{formatDuration(run.runTime)}</dd>
      </div>
      <div>
        <dt>Tasks</dt>
        <dd>
          {counts.total === 0
            ? 'none yet'
            : [
                counts.success > 0 ? `${counts.success} ok` : '',
                counts.error > 0 ? `${counts.error} failed` : '',
                counts.stopped > 0 ? `${counts.stopped} stopped` : '',
                counts.processing + counts.queued + counts.pending > 0
                  ? `${counts.processing + counts.queued + counts.pending} to go`
                  : '',
              ]
                .filter(Boolean)
                .join(' · ')}
        </dd>
      </div>
    </dl>
  );
}
