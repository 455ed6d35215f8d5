import { useEffect, useState } from 'react';
import { rerunTaskInstance } from '../api/endpoints';
import type { TaskInstance } from '../api/types';
import { Unavailable } from '../components/feedback';
import { JsonEditor } from '../components/json-editor';
import { prettyJson } from '../model/format';
import { readJsonObject } from '../model/json-text';
import { guardLeaving } from '../router';

/**
 * Rerun a task instance from edited input Data (`POST /workflows/tasks/{id}/rerun` with `{"data"}`, **ext**):
 * the recorded Data in a JSON editor, checked as it is typed; the server records who edited it.
 */
export function RerunForm({
  instance,
  onRerun,
  onCancel,
}: {
  instance: TaskInstance;
  onRerun: (rerun: TaskInstance) => void;
  onCancel: () => void;
}) {
  const recorded = prettyJson(instance.data ?? {});
  const [text, setText] = useState(recorded);
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const read = readJsonObject(text);
  const isTextEdited = text !== recorded;
  // Re-indenting is no edit: only a different value is sent (and recorded as edited).
  const isEdited = read.ok && JSON.stringify(read.value) !== JSON.stringify(instance.data ?? {});

  useEffect(
    () => (isTextEdited ? guardLeaving('The edited Data has not been rerun. Leave and lose the edits?') : undefined),
    [isTextEdited],
  );

  const rerun = async (): Promise<void> => {
    if (!read.ok) return;
    setBusy(true);
    setError(undefined);
    try {
      onRerun(await rerunTaskInstance(instance.id, isEdited ? read.value : undefined));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <section className="rerun-form" aria-label="Rerun with edited Data">
      <h3>Rerun with edited Data</h3>
      <JsonEditor
        label="Input Data for the rerun"
        value={text}
        onChange={setText}
        onReset={() => setText(recorded)}
        resetLabel="Back to the recorded Data"
        hint="This instance keeps what it ran with. The rerun's log records your client id and the paths you changed, not their values."
      />
      <div className="button-row">
        <button
          type="button"
          className="button button-primary"
          disabled={!read.ok || isBusy}
          onClick={() => void rerun()}
        >
          {isBusy ? 'Rerunning…' : isEdited ? 'Rerun with this Data' : 'Rerun as recorded'}
        </button>
        <button type="button" className="button" disabled={isBusy} onClick={onCancel}>
          Cancel
        </button>
      </div>
      {error ? (
        <Unavailable
          error={error}
          what="Rerunning with edited Data"
          endpoint="POST /workflows/tasks/{id}/rerun with {data}"
        />
      ) : null}
    </section>
  );
}
