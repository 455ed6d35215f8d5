import { useId, useMemo } from 'react';
import { readJsonObject } from '../model/json-text';

/**
 * A JSON object typed in a monospace text area, checked as you type: the problem is named by line and
 * column, and "Format" re-indents valid JSON. A plain textarea on purpose: Data is edited now and then,
 * and a code-editor library would weigh more than the rest of the run page (docs/ui.md).
 */
export function JsonEditor({
  label,
  value,
  onChange,
  hint,
  rows = 12,
  onReset,
  resetLabel = 'Reset',
}: {
  label: string;
  value: string;
  onChange: (text: string) => void;
  hint?: string;
  rows?: number;
  /** Shown as a button when given: back to the Data it started from. */
  onReset?: () => void;
  resetLabel?: string;
}) {
  const id = useId();
  const problemId = useId();
  const hintId = useId();
  const read = useMemo(() => readJsonObject(value), [value]);
  const lines = value.split('\n').length;
  return (
    <div className="field json-editor">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        className={`input mono${read.ok ? '' : ' is-invalid'}`}
        rows={Math.min(24, Math.max(rows, Math.min(lines + 1, 24)))}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        value={value}
        aria-invalid={read.ok ? undefined : true}
        aria-describedby={`${read.ok ? '' : problemId} ${hint ? hintId : ''}`.trim() || undefined}
        onChange={(event) => onChange(event.target.value)}
      />
      <div className="json-editor-foot">
        {read.ok ? (
          <span className="json-status is-valid" role="status">
            Valid JSON object
          </span>
        ) : (
          <span id={problemId} className="field-error json-status" role="status">
            {read.problem}
          </span>
        )}
        <span className="json-editor-actions">
          <button
            type="button"
            className="button button-small"
            disabled={!read.ok}
            onClick={() => {
              if (read.ok) onChange(JSON.stringify(read.value, null, 2));
            }}
          >
            Format
          </button>
          {onReset ? (
            <button type="button" className="button button-small" onClick={onReset}>
              {resetLabel}
            </button>
          ) : null}
        </span>
      </div>
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
