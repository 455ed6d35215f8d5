import { useEffect, useId, useState } from 'react';
import { exportVersion, listVersions } from '../api/endpoints';
import type { Workflow } from '../api/types';
import { EmptyState, ErrorBanner, Loading } from '../components/feedback';
import { WorkflowGraph } from '../graph/workflow-graph';
import { useResource } from '../hooks/use-resource';
import { sameId } from '../model/document';
import { navigate, workflowHref } from '../router';
import { TaskDetails } from './task-details';
import { shortTypeName } from '../editor/task-library';

/** A version's graph, its tasks as a list (for keyboards and screen readers), and the selected task's parameters. */
export function OverviewTab({ workflow, version }: { workflow: Workflow; version?: string | undefined }) {
  const versions = useResource((signal) => listVersions(workflow.id, signal), `${workflow.id}|${workflow.updatedAt}`, {
    isKeptAcrossKeys: true,
  });
  const document = useResource(
    (signal) => exportVersion(workflow.id, version, signal),
    `${workflow.id}|${version ?? 'active'}|${workflow.updatedAt}`,
  );
  const [selected, setSelected] = useState<string | null>(null);
  const versionSelectId = useId();
  useEffect(() => setSelected(null), [version]);

  const doc = document.data;
  const selectedTask = doc?.tasks.find((t) => sameId(t.id, selected));
  const shownVersion = version ?? workflow.active_version?.version;

  return (
    <div>
      <div className="toolbar">
        <label htmlFor={versionSelectId}>Version</label>
        <select
          id={versionSelectId}
          className="input input-auto"
          value={shownVersion ?? ''}
          onChange={(event) => navigate(workflowHref(workflow.id, 'overview', event.target.value))}
        >
          {!shownVersion ? <option value="">Latest</option> : null}
          {(versions.data?.data ?? []).map((v) => (
            <option key={v.id} value={v.version}>
              {v.version}
              {v.status === 'Active' ? ' (active)' : ''}
            </option>
          ))}
        </select>
        <a className="button button-small" href={workflowHref(workflow.id, 'editor', shownVersion)}>
          Edit as a new version
        </a>
      </div>
      <ErrorBanner error={document.error} onRetry={document.reload} />
      {document.isLoading && !doc ? <Loading label="Loading the graph…" /> : null}
      {doc ? (
        <div className="split">
          <div className="split-main">
            <WorkflowGraph
              label={`Graph of ${workflow.name}, version ${shownVersion ?? 'latest'}`}
              tasks={doc.tasks}
              linkages={doc.linkages}
              selectedTaskId={selected}
              onSelectTask={setSelected}
            />
          </div>
          <aside className="split-side card" aria-label="Task parameters">
            {selectedTask ? (
              <>
                <button
                  type="button"
                  className="button button-small button-ghost back"
                  onClick={() => setSelected(null)}
                >
                  ← All tasks
                </button>
                <TaskDetails task={selectedTask} tasks={doc.tasks} linkages={doc.linkages} />
              </>
            ) : (
              <>
                <h2 className="side-title">Tasks</h2>
                <p className="muted small">Select a task in the graph or below to see its parameters.</p>
                {doc.tasks.length === 0 ? <EmptyState title="No tasks" /> : null}
                <ul className="task-list">
                  {doc.tasks.map((task) => (
                    <li key={String(task.id)}>
                      <button type="button" className="task-list-item" onClick={() => setSelected(String(task.id))}>
                        <span className="task-list-type">{shortTypeName(task.action_type)}</span>
                        <span>{task.name}</span>
                      </button>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </aside>
        </div>
      ) : null}
    </div>
  );
}
