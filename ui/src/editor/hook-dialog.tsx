import { useId, useState } from 'react';
import { Dialog, DialogFooter } from '../components/controls';
import { sameId, type WorkflowDocument } from '../model/document';
import { hooksOf } from './task-library';

/** Asks which hook a linkage drawn from `sourceId` to `targetId` uses. */
export function HookDialog({
  draft,
  sourceId,
  targetId,
  onClose,
  onChoose,
}: {
  draft: WorkflowDocument;
  sourceId: string;
  targetId: string;
  onClose: () => void;
  onChoose: (hook: string) => void;
}) {
  const source = draft.tasks.find((t) => sameId(t.id, sourceId));
  const target = draft.tasks.find((t) => sameId(t.id, targetId));
  const hooks = source ? hooksOf(source.action_type, source.parameters) : ['Success'];
  const used = draft.linkages.filter((l) => sameId(l.source_task_id, sourceId)).map((l) => l.linkage_type);
  const [hook, setHook] = useState(hooks.find((h) => !used.includes(h) && h !== 'Failure') ?? hooks[0] ?? 'Success');
  const selectId = useId();
  const formId = useId();
  return (
    <Dialog
      title="Choose the hook"
      onClose={onClose}
      footer={
        <DialogFooter onCancel={onClose}>
          <button type="submit" form={formId} className="button button-primary">
            Link
          </button>
        </DialogFooter>
      }
    >
      <form
        id={formId}
        onSubmit={(event) => {
          event.preventDefault();
          onChoose(hook);
        }}
      >
        <p>
          When <strong>{source?.name}</strong> fires this hook, <strong>{target?.name}</strong> runs next.
        </p>
        <div className="field">
          <label htmlFor={selectId}>Hook</label>
          <select
            id={selectId}
            className="input"
            value={hook}
            onChange={(event) => setHook(event.target.value)}
            autoFocus
          >
            {hooks.map((h) => (
              <option key={h} value={h}>
                {h}
              </option>
            ))}
          </select>
        </div>
      </form>
    </Dialog>
  );
}
