import { useId } from 'react';
import { requestNameOf, type InputField } from '../model/document';
import { isRequired, type FormValues } from '../model/inputs';

/** One control per declared input, chosen by datatype; required ones are marked and announced. */
export function InputControls({
  fields,
  values,
  errors,
  onChange,
}: {
  fields: readonly InputField[];
  values: FormValues;
  errors: Record<string, string>;
  onChange: (name: string, value: string) => void;
}) {
  return (
    <div className="grid-2 input-grid">
      {fields.map((field) => (
        <InputControl
          key={requestNameOf(field)}
          field={field}
          value={values[requestNameOf(field)] ?? ''}
          error={errors[requestNameOf(field)]}
          onChange={(value) => onChange(requestNameOf(field), value)}
        />
      ))}
    </div>
  );
}

function InputControl({
  field,
  value,
  error,
  onChange,
}: {
  field: InputField;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}) {
  const id = useId();
  const hintId = useId();
  const errorId = useId();
  const name = requestNameOf(field);
  const required = isRequired(field);
  const describedBy = [hintId, error ? errorId : ''].filter(Boolean).join(' ');
  const common = {
    id,
    name,
    'aria-describedby': describedBy,
    'aria-invalid': error ? true : undefined,
    'aria-required': required || undefined,
    className: `input${error ? ' is-invalid' : ''}`,
  };
  let control;
  switch (field.datatype) {
    case 'Integer':
      control = (
        <input
          {...common}
          type="number"
          step={1}
          inputMode="numeric"
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      );
      break;
    case 'Decimal':
      control = (
        <input
          {...common}
          type="number"
          step="any"
          inputMode="decimal"
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      );
      break;
    case 'Boolean':
      control = (
        <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
          {!required || value === '' ? <option value="">{required ? 'Choose…' : 'Not set'}</option> : null}
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
      break;
    case 'Date':
      control = <input {...common} type="date" value={value} onChange={(e) => onChange(e.target.value)} />;
      break;
    case 'DateTime-Local':
      control = (
        <input {...common} type="datetime-local" step={1} value={value} onChange={(e) => onChange(e.target.value)} />
      );
      break;
    case 'JSON':
      control = (
        <textarea
          {...common}
          className={`${common.className} mono`}
          rows={4}
          spellCheck={false}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      );
      break;
    default:
      control = <input {...common} type="text" value={value} onChange={(e) => onChange(e.target.value)} />;
  }
  return (
    <div className={`field${field.datatype === 'JSON' ? ' field-wide' : ''}`}>
      <label htmlFor={id}>
        {name}
        {required ? (
          <>
            {' '}
            <span className="required" aria-hidden="true">
              *
            </span>
            <span className="visually-hidden"> (required)</span>
          </>
        ) : null}
      </label>
      {control}
      <p id={hintId} className="hint">
        {field.datatype} · Data.{field.object_name}.{field.field_name}
        {field.default !== undefined && field.default !== null && field.default !== '' ? ' · has a default' : ''}
      </p>
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
