import { useState } from 'react';
import { deleteWorkflow, getWorkflow, patchWorkflow } from '../api/endpoints';
import type { Workflow } from '../api/types';
import { StatusBadge } from '../components/badges';
import { Dialog, DialogFooter } from '../components/controls';
import { ErrorBanner, Loading } from '../components/feedback';
import { EditorTab } from '../editor/editor-tab';
import { useResource } from '../hooks/use-resource';
import { navigate, workflowHref, type WorkflowTab } from '../router';
import { PageHeading } from './page-heading';
import { OverviewTab } from './overview-tab';
import { RunItTab } from './run-it-tab';
import { RunsTab } from './runs-tab';
import { SettingsTab } from './settings-tab';
import { VersionsTab } from './versions-tab';

const TAB_LABELS: Record<WorkflowTab, string> = {
  overview: 'Graph',
  run: 'Run it',
  runs: 'Runs',
  settings: 'Settings',
  versions: 'Versions',
  editor: 'Editor',
};

/** One workflow: its header and its sections (graph, run it, runs, settings, versions, editor). */
export function WorkflowPage({
  workflowId,
  tab,
  version,
}: {
  workflowId: number;
  tab: WorkflowTab;
  version?: string | undefined;
}) {
  const resource = useResource((signal) => getWorkflow(workflowId, signal), String(workflowId));
  const [isDeleting, setDeleting] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const workflow = resource.data;

  if (!workflow) {
    return (
      <>
        <PageHeading title={resource.error ? 'Workflow not found' : 'Workflow'} eyebrow={<a href="#/">Workflows</a>} />
        {resource.error ? <ErrorBanner error={resource.error} onRetry={resource.reload} /> : <Loading />}
      </>
    );
  }

  const setStatus = async (status: 'Active' | 'Inactive'): Promise<void> => {
    setBusy(true);
    setActionError(undefined);
    try {
      await patchWorkflow(workflow.id, { status });
      resource.reload();
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeading
        eyebrow={<a href="#/">Workflows</a>}
        documentTitle={`${workflow.name}: ${TAB_LABELS[tab]}`}
        title={
          <>
            {workflow.name} <StatusBadge status={workflow.status} />
          </>
        }
      >
        {workflow.status === 'Active' ? (
          <button type="button" className="button" disabled={isBusy} onClick={() => void setStatus('Inactive')}>
            Deactivate
          </button>
        ) : (
          <button type="button" className="button" disabled={isBusy} onClick={() => void setStatus('Active')}>
            Activate
          </button>
        )}
        <button type="button" className="button button-danger-quiet" onClick={() => setDeleting(true)}>
          Delete workflow
        </button>
      </PageHeading>
      <WorkflowSummary workflow={workflow} />
      <ErrorBanner error={actionError} />

      <nav className="tabs" aria-label="Workflow sections">
        {(Object.keys(TAB_LABELS) as WorkflowTab[]).map((key) => (
          <a
            key={key}
            href={workflowHref(workflow.id, key)}
            className="tab"
            aria-current={key === tab ? 'page' : undefined}
          >
            {TAB_LABELS[key]}
          </a>
        ))}
      </nav>

      <section className="tab-panel" aria-label={TAB_LABELS[tab]}>
        {tab === 'overview' ? <OverviewTab workflow={workflow} version={version} /> : null}
        {tab === 'run' ? <RunItTab workflow={workflow} /> : null}
        {tab === 'runs' ? <RunsTab workflowId={workflow.id} /> : null}
        {tab === 'settings' ? <SettingsTab workflow={workflow} onChanged={resource.reload} /> : null}
        {tab === 'versions' ? <VersionsTab workflow={workflow} onChanged={resource.reload} /> : null}
        {tab === 'editor' ? <EditorTab workflow={workflow} baseVersion={version} onChanged={resource.reload} /> : null}
      </section>

      {isDeleting ? <DeleteDialog workflow={workflow} onClose={() => setDeleting(false)} /> : null}
    </>
  );
}

function WorkflowSummary({ workflow }: { workflow: Workflow }) {
  return (
    <dl className="summary">
      <div>
        <dt>Id</dt>
        <dd className="mono">{workflow.id}</dd>
      </div>
      <div>
        <dt>Active version</dt>
        <dd className="mono">{workflow.active_version?.version ?? 'none'}</dd>
      </div>
      <div>
        <dt>Callout trigger</dt>
        <dd>{workflow.calloutTrigger ? 'On' : 'Off'}</dd>
      </div>
      <div>
        <dt>Responsive mode</dt>
        <dd>{workflow.syncTrigger ? 'On' : 'Off'}</dd>
      </div>
      <div>
        <dt>Schedule</dt>
        <dd>{workflow.scheduledTrigger ? <span className="mono">{workflow.interval}</span> : 'Off'}</dd>
      </div>
      {workflow.description ? (
        <div className="summary-wide">
          <dt>Description</dt>
          <dd>{workflow.description}</dd>
        </div>
      ) : null}
    </dl>
  );
}

function DeleteDialog({ workflow, onClose }: { workflow: Workflow; onClose: () => void }) {
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const confirm = async (): Promise<void> => {
    setBusy(true);
    try {
      await deleteWorkflow(workflow.id);
      onClose();
      navigate('#/');
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Delete “${workflow.name}”?`}
      onClose={onClose}
      footer={
        <DialogFooter onCancel={onClose}>
          <button type="button" className="button button-danger" disabled={isBusy} onClick={() => void confirm()}>
            Delete workflow
          </button>
        </DialogFooter>
      }
    >
      <ErrorBanner error={error} />
      <p>
        Its trigger endpoints stop answering and it leaves the list. Its past runs stay readable. This cannot be undone.
      </p>
    </Dialog>
  );
}
