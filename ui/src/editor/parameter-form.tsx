import { useEffect, useId, useState } from 'react';
import { ParameterField } from './parameter-field';
import { isShown, valueAt, withValueAt } from './parameter-spec';
import { specOf } from './task-library';

/**
 * A task's parameters as a form generated from its type's spec, with a raw JSON view of the whole
 * object for anything the spec does not cover.
 */
export function ParameterForm({
  actionType,
  parameters,
  onChange,
}: {
  actionType: string;
  parameters: Record<string, unknown>;
  onChange: (parameters: Record<string, unknown>) => void;
}) {
  const spec = specOf(actionType);
  const [isRaw, setRaw] = useState(!spec || spec.parameters.length === 0);
  return (
    <div className="parameter-form">
      <div className="segmented segmented-small" role="group" aria-label="Parameter view">
        <button
          type="button"
          className={!isRaw ? 'is-checked' : undefined}
          aria-pressed={!isRaw}
          disabled={!spec}
          onClick={() => setRaw(false)}
        >
          Form
        </button>
        <button
          type="button"
          className={isRaw ? 'is-checked' : undefined}
          aria-pressed={isRaw}
          onClick={() => setRaw(true)}
        >
          Raw JSON
        </button>
      </div>
      {isRaw || !spec ? (
        <RawJson parameters={parameters} onChange={onChange} />
      ) : (
        spec.parameters
          .filter((p) => isShown(p, parameters, spec))
          .map((parameter) => (
            <ParameterField
              key={parameter.path.join('.')}
              spec={parameter}
              value={valueAt(parameters, parameter.path)}
              onChange={(value) => onChange(withValueAt(parameters, parameter.path, value))}
            />
          ))
      )}
    </div>
  );
}

function RawJson({
  parameters,
  onChange,
}: {
  parameters: Record<string, unknown>;
  onChange: (p: Record<string, unknown>) => void;
}) {
  const id = useId();
  const errorId = useId();
  const [text, setText] = useState(() => JSON.stringify(parameters, null, 2));
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    setText(JSON.stringify(parameters, null, 2));
    setError(undefined);
  }, [parameters]);
  const apply = (): void => {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('Parameters must be a JSON object.');
      setError(undefined);
      onChange(parsed as Record<string, unknown>);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  };
  return (
    <div className="field">
      <label htmlFor={id}>Parameters (JSON)</label>
      <textarea
        id={id}
        className={`input mono${error ? ' is-invalid' : ''}`}
        rows={14}
        spellCheck={false}
        value={text}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(event) => setText(event.target.value)}
        onBlur={apply}
      />
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : (
        <p className="hint">Applied when you leave the field.</p>
      )}
    </div>
  );
}
