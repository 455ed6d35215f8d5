import { useEffect, useId, useMemo, useState } from 'react';
import { ApiError } from '../api/client';
import { exportVersion, importVersion, listVersions, patchWorkflow } from '../api/endpoints';
import type { Workflow } from '../api/types';
import { ErrorBanner, Loading, Notice, Unavailable } from '../components/feedback';
import { layoutGraph, START_NODE_ID, type Point } from '../graph/layout';
import { WorkflowGraph } from '../graph/workflow-graph';
import { useResource } from '../hooks/use-resource';
import { sameId, type WorkflowDocument } from '../model/document';
import { compareVersions, newVersionProblem, nextVersion } from '../model/versions';
import { guardLeaving, workflowHref } from '../router';
import { addLinkage, addTask, documentToSave, newTask, removeLinkages, removeTasks, setStart } from './draft';
import { HookDialog } from './hook-dialog';
import { ProblemList } from './problem-list';
import { TaskPanel } from './task-panel';
import { useEditHistory, useUndoKeys } from './use-edit-history';
import { TASK_LIBRARY } from './task-library';
import { validateDocument } from './validate';
import { WorkflowPanel } from './workflow-panel';

/**
 * The editor: a draft made from a version (the latest by default; the active one cannot change), tasks
 * added from the library, linkages drawn by dragging (the hook chosen in a dialog) or added from the task
 * panel, parameters edited in generated forms, validated here, saved as a new version, then activated.
 */
export function EditorTab({
  workflow,
  baseVersion,
  onChanged,
}: {
  workflow: Workflow;
  baseVersion?: string | undefined;
  onChanged: () => void;
}) {
  const versions = useResource((signal) => listVersions(workflow.id, signal), String(workflow.id));
  const existing = useMemo(() => (versions.data?.data ?? []).map((v) => v.version), [versions.data]);
  // The draft's base is fixed once known: saving adds a version, which must not swap the draft under the person.
  const [base, setBase] = useState<string | undefined>(baseVersion);
  useEffect(() => {
    if (baseVersion) setBase(baseVersion);
    else if (!base && existing.length > 0) setBase([...existing].sort(compareVersions).at(-1));
  }, [baseVersion, base, existing]);
  const source = useResource(
    (signal) => (base ? exportVersion(workflow.id, base, signal) : Promise.resolve(undefined)),
    `${workflow.id}|${base ?? ''}`,
  );

  if (versions.error && !versions.data) return <ErrorBanner error={versions.error} onRetry={versions.reload} />;
  if (source.error) return <ErrorBanner error={source.error} onRetry={source.reload} />;
  if (!source.data || !base || !versions.data) return <Loading label="Loading the version to edit…" />;
  const baseSummary = versions.data.data.find((v) => v.version === base);
  return (
    <Editor
      key={base}
      workflow={workflow}
      baseVersion={base}
      baseVersionId={baseSummary?.id}
      isBaseActive={baseSummary?.status === 'Active'}
      existingVersions={existing}
      original={source.data}
      onSaved={() => {
        versions.reload();
        onChanged();
      }}
    />
  );
}

/** What undo steps through: the draft and where its tasks are drawn. */
interface EditorState {
  draft: WorkflowDocument;
  positions: Map<string, Point>;
}

interface Saved {
  version: string;
  versionId: number | undefined;
  isActive: boolean;
}

function Editor(props: {
  workflow: Workflow;
  baseVersion: string;
  baseVersionId: number | undefined;
  isBaseActive: boolean;
  existingVersions: readonly string[];
  original: WorkflowDocument;
  onSaved: () => void;
}) {
  const { workflow } = props;
  const history = useEditHistory<EditorState>({
    draft: props.original,
    positions: layoutGraph(props.original.tasks, props.original.linkages),
  });
  const { draft, positions } = history.current;
  // The state last saved (or loaded): the editor is dirty whenever it shows another one.
  const [savedState, setSavedState] = useState<EditorState>(history.current);
  const isDirty = history.current !== savedState;
  const [selected, setSelected] = useState<string | null>(null);
  const [connecting, setConnecting] = useState<{ source: string; target: string } | null>(null);
  const [version, setVersion] = useState(() => nextVersion(props.existingVersions));
  const [saveError, setSaveError] = useState<unknown>();
  const [saved, setSaved] = useState<Saved | undefined>();
  const [isBusy, setBusy] = useState(false);
  const [fitKey, setFitKey] = useState(0);
  const versionId = useId();

  const tidy = (): void => {
    // Without css positions, the layout engine places every task.
    change(
      draft,
      layoutGraph(
        draft.tasks.map((task) => ({ ...task, css: null })),
        draft.linkages,
      ),
    );
    setFitKey((key) => key + 1);
  };

  const problems = useMemo(() => validateDocument(draft), [draft]);
  const errors = problems.filter((p) => p.severity === 'error');
  const versionProblem = saved ? undefined : newVersionProblem(version, props.existingVersions);

  useEffect(
    () => (isDirty ? guardLeaving('The editor has unsaved changes. Leave and lose them?') : undefined),
    [isDirty],
  );
  useUndoKeys(history.undo, history.redo);

  const change = (next: WorkflowDocument, nextPositions: Map<string, Point> = positions): void => {
    history.commit({ draft: next, positions: nextPositions });
    if (saved) {
      // Editing after a save makes the next version.
      setVersion(nextVersion([...props.existingVersions, saved.version]));
      setSaved(undefined);
    }
  };

  const add = (actionType: string): void => {
    const task = newTask(draft, actionType);
    const anchor = selected ? positions.get(selected) : undefined;
    const lowest = Math.max(0, ...[...positions.values()].map((p) => p.y));
    const point = anchor ? { x: anchor.x + 40, y: anchor.y + 130 } : { x: 40, y: lowest + 130 };
    change(addTask(draft, task), new Map(positions).set(String(task.id), point));
    setSelected(String(task.id));
  };

  const save = async (): Promise<void> => {
    setBusy(true);
    setSaveError(undefined);
    try {
      const document = documentToSave(draft, positions, version.trim());
      await importVersion(workflow.id, document, version.trim());
      const after = await listVersions(workflow.id);
      const created = after.data.find((v) => v.version === version.trim());
      setSaved({ version: version.trim(), versionId: created?.id, isActive: created?.status === 'Active' });
      setSavedState(history.current);
      props.onSaved();
    } catch (caught) {
      setSaveError(caught);
    } finally {
      setBusy(false);
    }
  };

  const activate = async (): Promise<void> => {
    if (!saved?.versionId) return;
    setBusy(true);
    setSaveError(undefined);
    try {
      await patchWorkflow(workflow.id, { active_workflow_version_id: saved.versionId });
      setSaved({ ...saved, isActive: true });
      props.onSaved();
    } catch (caught) {
      setSaveError(caught);
    } finally {
      setBusy(false);
    }
  };

  const selectedTask = draft.tasks.find((t) => sameId(t.id, selected));

  return (
    <div className="editor">
      <div className="editor-bar card">
        <div>
          <strong>Draft from version {props.baseVersion}</strong>
          <span className="muted small">
            {' '}
            {props.isBaseActive
              ? '(active: it cannot change, so your edits become a new version)'
              : '(saved as a new version)'}
            {isDirty ? ' · unsaved changes' : ''}
          </span>
        </div>
        <div className="editor-actions">
          <label htmlFor={versionId}>New version</label>
          <input
            id={versionId}
            className={`input input-version mono${versionProblem ? ' is-invalid' : ''}`}
            value={version}
            aria-invalid={versionProblem ? true : undefined}
            onChange={(event) => {
              setVersion(event.target.value);
              setSaved(undefined);
            }}
          />
          <button
            type="button"
            className="button button-primary"
            disabled={isBusy || errors.length > 0 || Boolean(versionProblem) || Boolean(saved)}
            onClick={() => void save()}
          >
            {isBusy && !saved ? 'Saving…' : `Save as version ${version.trim() || '…'}`}
          </button>
        </div>
      </div>

      <div aria-live="polite">
        {versionProblem ? <p className="field-error">{versionProblem}</p> : null}
        {saveError instanceof ApiError && saveError.isMissingEndpoint ? (
          <Unavailable error={saveError} what="Saving a new version" endpoint="POST /workflows/{id}/versions/import" />
        ) : (
          <ErrorBanner error={saveError} title="Not saved." />
        )}
        {saved ? (
          <Notice tone="success">
            Saved as version <span className="mono">{saved.version}</span>.{' '}
            {saved.isActive ? (
              <>
                It is the active version now. <a href={workflowHref(workflow.id, 'run')}>Run it</a>
              </>
            ) : (
              <button
                type="button"
                className="button button-small button-primary"
                disabled={isBusy || !saved.versionId}
                onClick={() => void activate()}
              >
                Activate version {saved.version}
              </button>
            )}
          </Notice>
        ) : null}
      </div>

      <ProblemList problems={problems} onSelect={setSelected} />

      <div className="editor-grid">
        <nav className="card library" aria-labelledby="library-heading">
          <h2 id="library-heading" className="side-title">
            Task library
          </h2>
          <ul className="plain-list">
            {TASK_LIBRARY.map((spec) => (
              <li key={spec.actionType}>
                <button
                  type="button"
                  className="library-item"
                  title={spec.description}
                  aria-label={`Add a ${spec.title} task`}
                  onClick={() => add(spec.actionType)}
                >
                  <span className="library-plus" aria-hidden="true">
                    +
                  </span>
                  <span>
                    <span className="library-title">{spec.title}</span>
                    {spec.actionType !== spec.title ? (
                      <span className="library-type">{spec.actionType.replace('::', '::\u200b')}</span>
                    ) : null}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </nav>

        <div>
          <WorkflowGraph
            label="Editable graph of the draft. Drag from a task's lower handle to another task to link them."
            tasks={draft.tasks}
            linkages={draft.linkages}
            positions={positions}
            selectedTaskId={selected}
            onSelectTask={setSelected}
            isEditable
            height={560}
            fitKey={fitKey}
            onMoveTask={(id, point) => change(draft, new Map(positions).set(id, point))}
            onConnect={(sourceId, targetId) => {
              if (sourceId === START_NODE_ID) change(setStart(draft, targetId));
              else setConnecting({ source: sourceId, target: targetId });
            }}
            onDeleteLinkages={(indexes) => change(removeLinkages(draft, indexes))}
            onDeleteTasks={(ids) => {
              change(removeTasks(draft, ids));
              if (selected && ids.includes(selected)) setSelected(null);
            }}
          />
          <div className="button-row">
            <button
              type="button"
              className="button button-small"
              disabled={!history.canUndo}
              aria-keyshortcuts="Control+Z"
              title="Undo (Ctrl+Z)"
              onClick={history.undo}
            >
              Undo
            </button>
            <button
              type="button"
              className="button button-small"
              disabled={!history.canRedo}
              aria-keyshortcuts="Control+Shift+Z"
              title="Redo (Ctrl+Shift+Z)"
              onClick={history.redo}
            >
              Redo
            </button>
            <button type="button" className="button button-small" onClick={tidy}>
              Tidy up the layout
            </button>
          </div>
          <p className="hint">
            Drag a task to move it; drag from its lower dot onto another task to link them; select a linkage or a task
            and press Delete to remove it. Everything here can also be done from the panel.
          </p>
        </div>

        <aside
          className="card editor-panel"
          aria-label={selectedTask ? `Task ${selectedTask.name}` : 'Workflow settings'}
        >
          {selectedTask ? (
            <TaskPanel
              key={String(selectedTask.id)}
              workflowId={workflow.id}
              baseVersionId={props.baseVersionId}
              draft={draft}
              taskId={String(selectedTask.id)}
              onChange={change}
              onClose={() => setSelected(null)}
              onDelete={() => {
                change(removeTasks(draft, [String(selectedTask.id)]));
                setSelected(null);
              }}
            />
          ) : (
            <WorkflowPanel draft={draft} onChange={change} />
          )}
        </aside>
      </div>

      {connecting ? (
        <HookDialog
          draft={draft}
          sourceId={connecting.source}
          targetId={connecting.target}
          onClose={() => setConnecting(null)}
          onChoose={(hook) => {
            change(addLinkage(draft, connecting.source, connecting.target, hook));
            setConnecting(null);
          }}
        />
      ) : null}
    </div>
  );
}
