import { DATATYPES, type Datatype, type InputField } from '../model/document';

/** The workflow's declared inputs (`workflow.parameters.fields`), one row each. */
export function InputsEditor({
  fields,
  onChange,
}: {
  fields: readonly InputField[];
  onChange: (fields: InputField[]) => void;
}) {
  const set = (index: number, change: Partial<InputField>): void =>
    onChange(fields.map((field, i) => (i === index ? { ...field, ...change } : field)));
  return (
    <fieldset className="inputs-editor">
      <legend>Inputs</legend>
      {fields.length === 0 ? <p className="muted small">No inputs: the workflow takes no request parameters.</p> : null}
      {fields.map((field, index) => {
        const n = index + 1;
        return (
          <div className="input-row" key={index} role="group" aria-label={`Input ${n}`}>
            <label className="input-cell">
              Field name
              <input
                className="input mono"
                value={field.field_name}
                onChange={(event) => set(index, { field_name: event.target.value })}
              />
            </label>
            <label className="input-cell">
              Object
              <input
                className="input mono"
                value={field.object_name}
                onChange={(event) => set(index, { object_name: event.target.value })}
              />
            </label>
            <label className="input-cell">
              Datatype
              <select
                className="input"
                value={field.datatype}
                onChange={(event) => set(index, { datatype: event.target.value as Datatype })}
              >
                {DATATYPES.map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
            </label>
            <label className="input-cell">
              Default
              <input
                className="input"
                value={field.default === undefined || field.default === null ? '' : String(field.default)}
                onChange={(event) =>
                  set(index, { default: event.target.value === '' ? undefined : event.target.value })
                }
              />
            </label>
            <div className="input-row-foot">
              <label className="check check-inline">
                <input
                  type="checkbox"
                  checked={field.required === true || field.required === 'true'}
                  onChange={(event) => set(index, { required: event.target.checked })}
                />
                Required
              </label>
              <button
                type="button"
                className="button button-small button-danger-quiet"
                aria-label={`Remove input ${n}`}
                onClick={() => onChange(fields.filter((_, i) => i !== index))}
              >
                Remove
              </button>
            </div>
          </div>
        );
      })}
      <button
        type="button"
        className="button button-small"
        onClick={() =>
          onChange([
            ...fields,
            { object_name: 'Workflow', field_name: `input${fields.length + 1}`, datatype: 'Text', required: false },
          ])
        }
      >
        Add input
      </button>
      <p className="hint">
        Each input arrives at Data.&lt;object name&gt;.&lt;field name&gt;; callers send it by its field name (or by its
        callout_id, when the file gives one).
      </p>
    </fieldset>
  );
}
