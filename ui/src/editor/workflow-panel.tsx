import { useId } from 'react';
import type { WorkflowDocument } from '../model/document';
import { InputsEditor } from './inputs-editor';

/** The editor's side panel when no task is selected: the workflow's name, description and inputs. */
export function WorkflowPanel({
  draft,
  onChange,
}: {
  draft: WorkflowDocument;
  onChange: (d: WorkflowDocument) => void;
}) {
  const nameId = useId();
  const descriptionId = useId();
  const settings = draft.workflow;
  return (
    <div className="stack-tight">
      <h2 className="side-title">Workflow</h2>
      <p className="muted small">Select a task to edit it, or add one from the library.</p>
      <div className="field">
        <label htmlFor={nameId}>Name</label>
        <input
          id={nameId}
          className="input"
          value={settings.name}
          onChange={(event) => onChange({ ...draft, workflow: { ...settings, name: event.target.value } })}
        />
      </div>
      <div className="field">
        <label htmlFor={descriptionId}>Description</label>
        <textarea
          id={descriptionId}
          className="input"
          rows={2}
          value={settings.description ?? ''}
          onChange={(event) => onChange({ ...draft, workflow: { ...settings, description: event.target.value } })}
        />
      </div>
      <InputsEditor
        fields={settings.parameters?.fields ?? []}
        onChange={(fields) =>
          onChange({ ...draft, workflow: { ...settings, parameters: { ...(settings.parameters ?? {}), fields } } })
        }
      />
    </div>
  );
}
