import { useId, useState, type ChangeEvent, type ReactNode } from 'react';
import { isSecretHeaderName } from '../model/secret-reference';
import type { ParameterSpec } from './parameter-spec';
import { SecretField } from './secret-field';

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** One parameter's field, its control chosen by the spec's kind. */
export function ParameterField({
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
  // The attributes every labelled text control shares, and its value and change handler as text.
  const controlProps = { id, 'aria-describedby': describedBy, 'aria-required': spec.isRequired || undefined };
  const textProps = {
    ...controlProps,
    value: asText(value),
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => onChange(event.target.value),
  };
  const field = (control: ReactNode) => (
    <div className="field">
      {label}
      {control}
      {hint}
    </div>
  );

  switch (spec.kind) {
    case 'code':
      return field(
        <textarea
          {...textProps}
          className="input mono"
          rows={Math.min(14, Math.max(3, asText(value).split('\n').length + 1))}
          spellCheck={false}
        />,
      );
    case 'select': {
      const current = asText(value);
      const options = spec.options ?? [];
      return field(
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
        </select>,
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
      return field(<input {...textProps} className="input" type="number" step="any" />);
    case 'list': {
      const lines = Array.isArray(value) ? value.map(asText) : asText(value) ? [asText(value)] : [];
      return field(
        <textarea
          {...controlProps}
          className="input mono"
          rows={Math.max(2, lines.length + 1)}
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
        />,
      );
    }
    case 'pairs':
      return <PairsField spec={spec} value={value} onChange={onChange} hint={hint} />;
    case 'map':
      return <MapField spec={spec} value={value} onChange={onChange} hint={hint} />;
    case 'json':
      return <JsonField id={id} label={label} hint={hint} value={value} onChange={onChange} />;
    case 'secret':
      return field(
        <SecretField id={id} label={spec.label} value={value} onChange={onChange} describedBy={describedBy} />,
      );
    default:
      return field(<input {...textProps} className="input" />);
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
  label: ReactNode;
  hint: ReactNode;
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
  hint: ReactNode;
}) {
  const pairs: Pair[] = Array.isArray(value)
    ? value.map((item) => {
        const record = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
        return { key: asText(record['key']), value: asText(record['value']) };
      })
    : [];
  const set = (next: Pair[]): void => onChange(next);
  return (
    <PairsFieldset
      legend={spec.label}
      addLabel={`Add ${spec.label.toLowerCase().replace(/s$/, '')}`}
      onAdd={() => set([...pairs, { key: '', value: '' }])}
      hint={hint}
    >
      {pairs.map((pair, index) => {
        const keyInput = (
          <input
            className="input"
            aria-label={`${spec.label} ${index + 1} name`}
            placeholder="Name"
            value={pair.key}
            onChange={(event) => set(pairs.map((p, i) => (i === index ? { ...p, key: event.target.value } : p)))}
          />
        );
        const remove = (
          <RemoveButton
            label={`Remove ${spec.label} ${index + 1}`}
            onClick={() => set(pairs.filter((_, i) => i !== index))}
          />
        );
        if (spec.hasSecretValues && isSecretHeaderName(pair.key.trim())) {
          // A credential header: its value is picked from the global constants, on a line of its own.
          return (
            <div className="pair-row pair-row-secret" key={index}>
              {keyInput}
              {remove}
              <SecretField
                id={`${spec.path.join('-')}-${index}-value`}
                label={`${spec.label} ${index + 1} value`}
                value={pair.value}
                onChange={(next) => set(pairs.map((p, i) => (i === index ? { ...p, value: next } : p)))}
              />
            </div>
          );
        }
        return (
          <div className="pair-row" key={index}>
            {keyInput}
            <input
              className="input"
              aria-label={`${spec.label} ${index + 1} value`}
              placeholder="Value"
              value={pair.value}
              onChange={(event) => set(pairs.map((p, i) => (i === index ? { ...p, value: event.target.value } : p)))}
            />
            {remove}
          </div>
        );
      })}
    </PairsFieldset>
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
  hint: ReactNode;
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
    <PairsFieldset legend={spec.label} addLabel="Add case" onAdd={() => set([...entries, [nextKey(), '']])} hint={hint}>
      {entries.map(([key, entry], index) => (
        <div className="pair-row" key={key}>
          <span className="mono pair-key">{key}</span>
          <input
            className="input mono"
            aria-label={`${key} pattern`}
            value={asText(entry)}
            onChange={(event) => set(entries.map(([k, v]) => [k, k === key ? event.target.value : v]))}
          />
          <RemoveButton label={`Remove ${key}`} onClick={() => set(entries.filter((_, i) => i !== index))} />
        </div>
      ))}
    </PairsFieldset>
  );
}

/** The fieldset of a list of rows (pairs or cases), with a button adding one more under them. */
function PairsFieldset({
  legend,
  addLabel,
  onAdd,
  hint,
  children,
}: {
  legend: string;
  addLabel: string;
  onAdd: () => void;
  hint: ReactNode;
  children: ReactNode;
}) {
  return (
    <fieldset className="field pairs">
      <legend>{legend}</legend>
      {children}
      <button type="button" className="button button-small" onClick={onAdd}>
        {addLabel}
      </button>
      {hint}
    </fieldset>
  );
}

/** The × button removing one row. */
function RemoveButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <button type="button" className="button button-small button-ghost" aria-label={label} onClick={onClick}>
      ×
    </button>
  );
}
