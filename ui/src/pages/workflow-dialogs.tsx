import { useId, useState, type FormEvent } from 'react';
import { createWorkflow, importWorkflow } from '../api/endpoints';
import { Dialog, DialogFooter } from '../components/controls';
import { ErrorBanner } from '../components/feedback';
import { emptyDocument } from '../model/document';
import { navigate, workflowHref } from '../router';

/** The workflow list's two ways to a new workflow: a file imported, or an empty one to draw. */

/** Import a workflow file (`POST /workflows/import`). */
export function ImportDialog({ onClose }: { onClose: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [shouldActivate, setActivate] = useState(true);
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const fileId = useId();
  const activateId = useId();
  const formId = useId();

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!file) {
      setError(new Error('Choose a workflow file (.json) first.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      let document: unknown;
      try {
        document = JSON.parse(await file.text());
      } catch {
        throw new Error(`${file.name} is not a JSON file.`);
      }
      const workflow = await importWorkflow(document, shouldActivate);
      onClose();
      navigate(workflowHref(workflow.id));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Import a workflow"
      onClose={onClose}
      footer={
        <DialogFooter onCancel={onClose}>
          <button type="submit" form={formId} className="button button-primary" disabled={isBusy}>
            {isBusy ? 'Importing…' : 'Import'}
          </button>
        </DialogFooter>
      }
    >
      <form id={formId} onSubmit={(event) => void submit(event)}>
        <p className="muted">A workflow file is a version’s export: {'{"workflow", "tasks", "linkages"}'}.</p>
        <ErrorBanner error={error} title="The file was not imported." />
        <div className="field">
          <label htmlFor={fileId}>Workflow file (JSON)</label>
          <input
            id={fileId}
            className="input"
            type="file"
            accept=".json,application/json"
            onChange={(event) => setFile(event.target.files?.[0] ?? null)}
          />
        </div>
        <div className="check">
          <input
            id={activateId}
            type="checkbox"
            checked={shouldActivate}
            onChange={(event) => setActivate(event.target.checked)}
          />
          <label htmlFor={activateId}>Activate it (it can be triggered at once)</label>
        </div>
      </form>
    </Dialog>
  );
}

/** A new workflow with one response task, opened in the editor. */
export function CreateDialog({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const nameId = useId();
  const descriptionId = useId();
  const formId = useId();

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const workflow = await createWorkflow(emptyDocument(name.trim(), description.trim()));
      onClose();
      navigate(workflowHref(workflow.id, 'editor'));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="New workflow"
      onClose={onClose}
      footer={
        <DialogFooter onCancel={onClose}>
          <button type="submit" form={formId} className="button button-primary" disabled={isBusy || !name.trim()}>
            {isBusy ? 'Creating…' : 'Create'}
          </button>
        </DialogFooter>
      }
    >
      <form id={formId} onSubmit={(event) => void submit(event)}>
        <p className="muted">It starts with one task that answers {'{"ok": true}'}; the editor opens next.</p>
        <ErrorBanner error={error} title="The workflow was not created." />
        <div className="field">
          <label htmlFor={nameId}>
            Name{' '}
            <span className="required" aria-hidden="true">
              *
            </span>
          </label>
          <input
            id={nameId}
            className="input"
            required
            aria-required="true"
            value={name}
            maxLength={255}
            onChange={(event) => setName(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={descriptionId}>Description</label>
          <textarea
            id={descriptionId}
            className="input"
            rows={3}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
          />
        </div>
      </form>
    </Dialog>
  );
}
