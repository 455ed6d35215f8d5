import { useState } from 'react';
import { ApiError } from '../api/client';
import { deleteVersion, exportVersion, listVersions, patchWorkflow } from '../api/endpoints';
import type { VersionSummary, Workflow } from '../api/types';
import { StatusBadge } from '../components/badges';
import { Dialog } from '../components/controls';
import { EmptyState, ErrorBanner, Loading, Notice, Unavailable } from '../components/feedback';
import { useResource } from '../hooks/use-resource';
import { formatTime } from '../model/format';
import { compareVersions } from '../model/versions';
import { workflowHref } from '../router';

/** Saves a version's export as a file. */
export async function downloadVersion(workflow: Workflow, version: string): Promise<void> {
  const document = await exportVersion(workflow.id, version);
  const blob = new Blob([`${JSON.stringify(document, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = window.document.createElement('a');
  link.href = url;
  link.download = `${workflow.name.replace(/[^\w.-]+/g, '-').replace(/^-|-$/g, '') || 'workflow'}-${version}.json`;
  window.document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The versions of a workflow: view, edit as a new one, activate, export, delete. */
export function VersionsTab({ workflow, onChanged }: { workflow: Workflow; onChanged: () => void }) {
  const versions = useResource((signal) => listVersions(workflow.id, signal), `${workflow.id}|${workflow.updatedAt}`, {
    isKeptAcrossKeys: true,
  });
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();
  const [busy, setBusy] = useState<number | null>(null);
  const [deleting, setDeleting] = useState<VersionSummary | null>(null);
  const rows = [...(versions.data?.data ?? [])].sort((a, b) => compareVersions(b.version, a.version));

  const act = async (version: VersionSummary, action: () => Promise<unknown>, done: string): Promise<void> => {
    setBusy(version.id);
    setError(undefined);
    setNotice(undefined);
    try {
      await action();
      setNotice(done);
      onChanged();
      versions.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div>
      <div aria-live="polite">
        {error ? <ErrorBanner error={error} /> : null}
        {notice ? <Notice tone="success">{notice}</Notice> : null}
      </div>
      <ErrorBanner error={versions.error} onRetry={versions.reload} />
      {versions.isLoading && !versions.data ? <Loading label="Loading versions…" /> : null}
      {versions.data && rows.length === 0 ? <EmptyState title="No versions." /> : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Versions</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Triggers</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((version) => {
                const isActive = version.status === 'Active';
                return (
                  <tr key={version.id}>
                    <td>
                      <a className="row-link mono" href={workflowHref(workflow.id, 'overview', version.version)}>
                        {version.version}
                      </a>
                      {version.description ? <div className="muted small clamp">{version.description}</div> : null}
                    </td>
                    <td>
                      <StatusBadge status={version.status} />
                    </td>
                    <td>{formatTime(version.createdAt)}</td>
                    <td className="small">
                      {[
                        version.calloutTrigger && 'Callout',
                        version.syncTrigger && 'Responsive',
                        version.scheduledTrigger && `Scheduled ${version.interval ?? ''}`,
                      ]
                        .filter(Boolean)
                        .join(' · ') || <span className="muted">None</span>}
                    </td>
                    <td>
                      <div className="button-row button-row-tight">
                        {!isActive ? (
                          <button
                            type="button"
                            className="button button-small button-primary"
                            disabled={busy !== null}
                            aria-label={`Activate version ${version.version}`}
                            onClick={() =>
                              void act(
                                version,
                                () => patchWorkflow(workflow.id, { active_workflow_version_id: version.id }),
                                `Version ${version.version} is now active.`,
                              )
                            }
                          >
                            Activate
                          </button>
                        ) : null}
                        <a
                          className="button button-small"
                          href={workflowHref(workflow.id, 'editor', version.version)}
                          aria-label={`Edit version ${version.version} as a new version`}
                        >
                          Edit
                        </a>
                        <button
                          type="button"
                          className="button button-small"
                          aria-label={`Export version ${version.version}`}
                          onClick={() => void downloadVersion(workflow, version.version).catch(setError)}
                        >
                          Export
                        </button>
                        {!isActive ? (
                          <button
                            type="button"
                            className="button button-small button-danger-quiet"
                            aria-label={`Delete version ${version.version}`}
                            onClick={() => setDeleting(version)}
                          >
                            Delete
                          </button>
                        ) : null}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <p className="hint spaced">
        The active version cannot be edited or deleted: edit it as a new version, then activate that.
      </p>
      {deleting ? (
        <DeleteVersionDialog
          version={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setNotice(`Version ${deleting.version} was deleted.`);
            setDeleting(null);
            versions.reload();
            onChanged();
          }}
        />
      ) : null}
    </div>
  );
}

function DeleteVersionDialog({
  version,
  onClose,
  onDeleted,
}: {
  version: VersionSummary;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const confirm = async (): Promise<void> => {
    setBusy(true);
    try {
      await deleteVersion(version.id);
      onDeleted();
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  const isMissing = error instanceof ApiError && error.isMissingEndpoint;
  return (
    <Dialog
      title={`Delete version ${version.version}?`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {isMissing ? 'Close' : 'Cancel'}
          </button>
          {!isMissing ? (
            <button type="button" className="button button-danger" disabled={isBusy} onClick={() => void confirm()}>
              Delete version
            </button>
          ) : null}
        </>
      }
    >
      {error ? <Unavailable error={error} what="Deleting versions" endpoint="DELETE /workflows/versions/{id}" /> : null}
      <p>Runs of this version stay readable. This cannot be undone.</p>
    </Dialog>
  );
}
