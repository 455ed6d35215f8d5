import { useId, useState } from 'react';
import { sameId, type WorkflowDocument } from '../model/document';
import { addLinkage, removeLinkages, setStart, updateTask } from './draft';
import { ParameterForm } from './parameter-form';
import { hooksOf, shortTypeName } from './task-library';
import { TaskTestPanel } from './task-test-panel';

/** The editor's side panel for one task: its name, parameters, linkages, and deleting it. */
export function TaskPanel({
  workflowId,
  baseVersionId,
  draft,
  taskId,
  onChange,
  onClose,
  onDelete,
}: {
  workflowId: number;
  /** The version the draft was made from: tests refer to it (its stored secrets stand behind masks). */
  baseVersionId: number | undefined;
  draft: WorkflowDocument;
  taskId: string;
  onChange: (d: WorkflowDocument) => void;
  onClose: () => void;
  onDelete: () => void;
}) {
  const task = draft.tasks.find((t) => sameId(t.id, taskId));
  const nameId = useId();
  const hookId = useId();
  const targetId = useId();
  const hooks = task ? hooksOf(task.action_type, task.parameters) : [];
  const others = draft.tasks.filter((t) => !sameId(t.id, taskId));
  const [hook, setHook] = useState(hooks[0] ?? 'Success');
  const [target, setTarget] = useState(others[0] ? String(others[0].id) : '');
  const [isTesting, setTesting] = useState(false);
  if (!task) return null;
  const outgoing = draft.linkages
    .map((l, index) => ({ l, index }))
    .filter(({ l }) => sameId(l.source_task_id, task.id));
  const isStart = draft.linkages.some(
    (l) => (l.source_task_id === null || l.source_task_id === undefined) && sameId(l.target_task_id, task.id),
  );
  const nameOf = (id: unknown) =>
    draft.tasks.find((t) => sameId(t.id, id as string))?.name ?? `missing task ${String(id)}`;

  return (
    <div className="stack-tight">
      <button type="button" className="button button-small button-ghost back" onClick={onClose}>
        ← Workflow settings
      </button>
      <div className="eyebrow">
        {shortTypeName(task.action_type)} task <span className="mono">#{String(task.id)}</span>
      </div>
      <div className="field">
        <label htmlFor={nameId}>Task name</label>
        <input
          id={nameId}
          className="input"
          value={task.name}
          onChange={(event) => onChange(updateTask(draft, taskId, (t) => ({ ...t, name: event.target.value })))}
        />
      </div>

      <h3>Parameters</h3>
      <ParameterForm
        actionType={task.action_type}
        parameters={task.parameters}
        onChange={(parameters) => onChange(updateTask(draft, taskId, (t) => ({ ...t, parameters })))}
      />

      <h3>Test this task</h3>
      {isTesting && baseVersionId !== undefined ? (
        <TaskTestPanel workflowId={workflowId} versionId={baseVersionId} task={task} draft={draft} />
      ) : (
        <div>
          <p className="hint">Run it once with sample Data, as drafted, without starting a run.</p>
          <button
            type="button"
            className="button button-small"
            disabled={baseVersionId === undefined}
            onClick={() => setTesting(true)}
          >
            Test this task…
          </button>
        </div>
      )}

      <h3>Linkages</h3>
      {isStart ? (
        <p className="small">The workflow starts here.</p>
      ) : (
        <button type="button" className="button button-small" onClick={() => onChange(setStart(draft, taskId))}>
          Start the workflow here
        </button>
      )}
      <ul className="plain-list linkage-list">
        {outgoing.map(({ l, index }) => (
          <li key={index}>
            <span>
              <span className="chip">{l.linkage_type}</span> → {nameOf(l.target_task_id)}
            </span>
            <button
              type="button"
              className="button button-small button-ghost"
              aria-label={`Remove the ${l.linkage_type} linkage to ${nameOf(l.target_task_id)}`}
              onClick={() => onChange(removeLinkages(draft, [index]))}
            >
              ×
            </button>
          </li>
        ))}
        {outgoing.length === 0 ? <li className="muted small">No outgoing linkages.</li> : null}
      </ul>
      {others.length > 0 ? (
        <div className="add-linkage">
          <div className="field">
            <label htmlFor={hookId}>Hook</label>
            <select id={hookId} className="input" value={hook} onChange={(event) => setHook(event.target.value)}>
              {hooks.map((h) => (
                <option key={h} value={h}>
                  {h}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={targetId}>Next task</label>
            <select id={targetId} className="input" value={target} onChange={(event) => setTarget(event.target.value)}>
              {others.map((t) => (
                <option key={String(t.id)} value={String(t.id)}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
          <button
            type="button"
            className="button button-small"
            disabled={!target}
            onClick={() => onChange(addLinkage(draft, taskId, target, hook))}
          >
            Add linkage
          </button>
        </div>
      ) : null}

      <div className="button-row">
        <button type="button" className="button button-small button-danger-quiet" onClick={onDelete}>
          Delete this task
        </button>
      </div>
    </div>
  );
}
