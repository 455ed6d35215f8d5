import { useEffect, useId, useState } from 'react';
import { isShown, specOf, valueAt, withValueAt, type ParameterSpec } from './task-library';

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

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function ParameterField({
  spec,
  value,
  onChange,
}: {
  spec: ParameterSpec;
  value: unknown;
  onChange: (value: unknown) => void;
}) {
  const id = useId();
  const hintId = useId();
  const label = (
    <label htmlFor={id}>
      {spec.label}
      {spec.isRequired ? (
        <>
          {' '}
          <span className="required" aria-hidden="true">
            *
          </span>
          <span className="visually-hidden"> (required)</span>
        </>
      ) : null}
    </label>
  );
  const hint = spec.hint ? (
    <p id={hintId} className="hint">
      {spec.hint}
    </p>
  ) : null;
  const describedBy = spec.hint ? hintId : undefined;

  switch (spec.kind) {
    case 'code':
      return (
        <div className="field">
          {label}
          <textarea
            id={id}
            className="input mono"
            rows={Math.min(14, Math.max(3, asText(value).split('\n').length + 1))}
            spellCheck={false}
            aria-describedby={describedBy}
            aria-required={spec.isRequired || undefined}
            value={asText(value)}
            onChange={(event) => onChange(event.target.value)}
          />
          {hint}
        </div>
      );
    case 'select': {
      const current = asText(value);
      const options = spec.options ?? [];
      return (
        <div className="field">
          {label}
          <select
            id={id}
            className="input"
            aria-describedby={describedBy}
            value={current}
            onChange={(event) => onChange(event.target.value)}
          >
            {current === '' ? (
              <option value="">{spec.defaultValue ? `${spec.defaultValue} (default)` : 'Default'}</option>
            ) : null}
            {current !== '' && !options.includes(current) ? <option value={current}>{current}</option> : null}
            {options.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
          {hint}
        </div>
      );
    }
    case 'flag': {
      const effective = value === undefined || value === null || value === '' ? spec.defaultValue : value;
      const isOn = effective === true || (typeof effective === 'string' && effective.toLowerCase() === 'true');
      return (
        <div className="field">
          <div className="check">
            <input
              id={id}
              type="checkbox"
              aria-describedby={describedBy}
              checked={isOn}
              onChange={(event) => onChange(event.target.checked ? 'true' : 'false')}
            />
            <label htmlFor={id}>{spec.label}</label>
          </div>
          {hint}
        </div>
      );
    }
    case 'number':
      return (
        <div className="field">
          {label}
          <input
            id={id}
            className="input"
            type="number"
            step="any"
            aria-describedby={describedBy}
            aria-required={spec.isRequired || undefined}
            value={asText(value)}
            onChange={(event) => onChange(event.target.value)}
          />
          {hint}
        </div>
      );
    case 'list': {
      const lines = Array.isArray(value) ? value.map(asText) : asText(value) ? [asText(value)] : [];
      return (
        <div className="field">
          {label}
          <textarea
            id={id}
            className="input mono"
            rows={Math.max(2, lines.length + 1)}
            aria-describedby={describedBy}
            aria-required={spec.isRequired || undefined}
            value={lines.join('\n')}
            onChange={(event) => onChange(event.target.value.split('\n'))}
            onBlur={(event) =>
              onChange(
                event.target.value
                  .split('\n')
                  .map((l) => l.trim())
                  .filter(Boolean),
              )
            }
          />
          {hint}
        </div>
      );
    }
    case 'pairs':
      return <PairsField spec={spec} value={value} onChange={onChange} hint={hint} />;
    case 'map':
      return <MapField spec={spec} value={value} onChange={onChange} hint={hint} />;
    case 'json':
      return <JsonField id={id} label={label} hint={hint} value={value} onChange={onChange} />;
    default:
      return (
        <div className="field">
          {label}
          <input
            id={id}
            className="input"
            aria-describedby={describedBy}
            aria-required={spec.isRequired || undefined}
            value={asText(value)}
            onChange={(event) => onChange(event.target.value)}
          />
          {hint}
        </div>
      );
  }
}

function JsonField({
  id,
  label,
  hint,
  value,
  onChange,
}: {
  id: string;
  label: React.ReactNode;
  hint: React.ReactNode;
  value: unknown;
  onChange: (v: unknown) => void;
}) {
  const [text, setText] = useState(() => JSON.stringify(value ?? null, null, 2));
  const [error, setError] = useState<string | undefined>();
  return (
    <div className="field">
      {label}
      <textarea
        id={id}
        className={`input mono${error ? ' is-invalid' : ''}`}
        rows={5}
        value={text}
        aria-invalid={error ? true : undefined}
        onChange={(event) => setText(event.target.value)}
        onBlur={() => {
          try {
            onChange(JSON.parse(text));
            setError(undefined);
          } catch {
            setError('Not valid JSON.');
          }
        }}
      />
      {error ? <p className="field-error">{error}</p> : hint}
    </div>
  );
}

interface Pair {
  key: string;
  value: string;
}

function PairsField({
  spec,
  value,
  onChange,
  hint,
}: {
  spec: ParameterSpec;
  value: unknown;
  onChange: (v: unknown) => void;
  hint: React.ReactNode;
}) {
  const pairs: Pair[] = Array.isArray(value)
    ? value.map((item) => {
        const record = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
        return { key: asText(record['key']), value: asText(record['value']) };
      })
    : [];
  const set = (next: Pair[]): void => onChange(next);
  return (
    <fieldset className="field pairs">
      <legend>{spec.label}</legend>
      {pairs.map((pair, index) => (
        <div className="pair-row" key={index}>
          <input
            className="input"
            aria-label={`${spec.label} ${index + 1} name`}
            placeholder="Name"
            value={pair.key}
            onChange={(event) => set(pairs.map((p, i) => (i === index ? { ...p, key: event.target.value } : p)))}
          />
          <input
            className="input"
            aria-label={`${spec.label} ${index + 1} value`}
            placeholder="Value"
            value={pair.value}
            onChange={(event) => set(pairs.map((p, i) => (i === index ? { ...p, value: event.target.value } : p)))}
          />
          <button
            type="button"
            className="button button-small button-ghost"
            aria-label={`Remove ${spec.label} ${index + 1}`}
            onClick={() => set(pairs.filter((_, i) => i !== index))}
          >
            ×
          </button>
        </div>
      ))}
      <button type="button" className="button button-small" onClick={() => set([...pairs, { key: '', value: '' }])}>
        Add {spec.label.toLowerCase().replace(/s$/, '')}
      </button>
      {hint}
    </fieldset>
  );
}

function MapField({
  spec,
  value,
  onChange,
  hint,
}: {
  spec: ParameterSpec;
  value: unknown;
  onChange: (v: unknown) => void;
  hint: React.ReactNode;
}) {
  const entries =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.entries(value as Record<string, unknown>)
      : [];
  const set = (next: [string, unknown][]): void => onChange(Object.fromEntries(next));
  const nextKey = (): string => {
    let n = entries.length + 1;
    while (entries.some(([k]) => k === `Case_${n}`)) n += 1;
    return `Case_${n}`;
  };
  return (
    <fieldset className="field pairs">
      <legend>{spec.label}</legend>
      {entries.map(([key, entry], index) => (
        <div className="pair-row" key={key}>
          <span className="mono pair-key">{key}</span>
          <input
            className="input mono"
            aria-label={`${key} pattern`}
            value={asText(entry)}
            onChange={(event) => set(entries.map(([k, v]) => [k, k === key ? event.target.value : v]))}
          />
          <button
            type="button"
            className="button button-small button-ghost"
            aria-label={`Remove ${key}`}
            onClick={() => set(entries.filter((_, i) => i !== index))}
          >
            ×
          </button>
        </div>
      ))}
      <button type="button" className="button button-small" onClick={() => set([...entries, [nextKey(), '']])}>
        Add case
      </button>
      {hint}
    </fieldset>
  );
}
