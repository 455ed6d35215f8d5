import { useEffect, useId, useState } from 'react';
import { listGlobalConstants, setGlobalConstant, type GlobalConstant } from '../api/global-constants';
import { messageOf } from '../api/client';
import { useResource } from '../hooks/use-resource';
import { constantReference, readSecretValue } from '../model/secret-reference';

/** Every secret field re-reads the constants when one of them creates a constant. */
const listeners = new Set<() => void>();
let generation = 0;

function useGlobalConstants() {
  const [seen, setSeen] = useState(generation);
  useEffect(() => {
    const listener = (): void => setSeen(generation);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return useResource((signal) => listGlobalConstants(signal), `constants|${seen}`, { isKeptAcrossKeys: true });
}

function constantsChanged(): void {
  generation += 1;
  for (const listener of listeners) listener();
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * A credential of a Callout (password, bearer token, client secret, HMAC key, a secret header): picked
 * from the global constants (sealed at rest when secret) and stored as a reference to one, e.g.
 * `{{ GlobalConstants.ApiToken }}`. A secret stored with the task is never shown (the API sends a
 * mask); it can be replaced. Typing a value stays possible (files from elsewhere do) but is discouraged.
 */
export function SecretField({
  id,
  label,
  value,
  onChange,
  describedBy,
}: {
  /** The id of the picker, which the visible label names. */
  id: string;
  /** What the secret is, for the names of the controls. */
  label: string;
  value: unknown;
  onChange: (value: string) => void;
  describedBy?: string | undefined;
}) {
  const constants = useGlobalConstants();
  const current = readSecretValue(value);
  const [isTyping, setTyping] = useState(current.kind === 'typed');
  const [isCreating, setCreating] = useState(false);
  const list = constants.data?.data ?? [];
  const sorted = [...list].sort((a, b) => Number(b.secret) - Number(a.secret) || a.name.localeCompare(b.name));
  const chosen = current.kind === 'constant' ? list.find((c) => c.name === current.name) : undefined;
  const prefix = current.kind === 'constant' ? current.prefix : '';
  const pick = (name: string): void => {
    setTyping(false);
    onChange(constantReference(name, prefix));
  };

  const isTypedShown = isTyping && current.kind !== 'constant';
  return (
    <div className="secret-field">
      <select
        id={id}
        className="input"
        aria-label={`${label} (global constant)`}
        aria-describedby={describedBy}
        value={current.kind === 'constant' ? current.name : `:${current.kind}`}
        onChange={(event) => {
          const next = event.target.value;
          if (next === ':typed') setTyping(true);
          else if (!next.startsWith(':')) pick(next);
        }}
      >
        {current.kind === 'constant' && !chosen ? (
          <option value={current.name}>{current.name} (no such constant)</option>
        ) : null}
        {current.kind === 'stored' ? <option value=":stored">Stored secret (hidden)</option> : null}
        {current.kind === 'other-reference' ? <option value=":other-reference">{current.text}</option> : null}
        {current.kind === 'empty' ? <option value=":empty">Choose a global constant…</option> : null}
        <option value=":typed">{current.kind === 'typed' ? 'Typed value (hidden)' : 'Type a value instead…'}</option>
        {sorted.map((constant) => (
          <option key={constant.name} value={constant.name}>
            {describeConstant(constant)}
          </option>
        ))}
      </select>
      <SecretState current={current} chosen={chosen} isLoaded={Boolean(constants.data)} />
      {isTypedShown ? (
        <input
          className="input mono"
          type="password"
          autoComplete="off"
          spellCheck={false}
          aria-label={`${label}: ${current.kind === 'stored' ? 'new value' : 'typed value'}`}
          placeholder={current.kind === 'stored' ? 'The new secret' : 'The secret'}
          value={current.kind === 'typed' ? String(value) : ''}
          onChange={(event) => onChange(event.target.value)}
        />
      ) : null}
      <div className="secret-actions">
        {current.kind === 'stored' && !isTyping ? (
          <button type="button" className="button button-small" onClick={() => setTyping(true)}>
            Replace secret
          </button>
        ) : null}
        <button
          type="button"
          className="button button-small"
          aria-expanded={isCreating}
          onClick={() => setCreating((open) => !open)}
        >
          New secret constant
        </button>
      </div>
      {constants.error && !constants.data ? (
        <p className="field-error">The global constants could not be read: {messageOf(constants.error)}</p>
      ) : null}
      {isCreating ? (
        <NewConstant
          label={label}
          existing={list.map((c) => c.name)}
          onCreated={(name) => {
            setCreating(false);
            constantsChanged();
            pick(name);
          }}
          onCancel={() => setCreating(false)}
        />
      ) : null}
    </div>
  );
}

function describeConstant(constant: GlobalConstant): string {
  if (constant.secret) return `${constant.name} · sealed ${constant.hint ?? '****'}`;
  return `${constant.name} · not secret`;
}

/** One line saying where the secret comes from. */
function SecretState({
  current,
  chosen,
  isLoaded,
}: {
  current: ReturnType<typeof readSecretValue>;
  chosen: GlobalConstant | undefined;
  isLoaded: boolean;
}) {
  switch (current.kind) {
    case 'constant':
      if (!isLoaded) return null;
      if (!chosen) {
        return (
          <p className="field-error">
            There is no global constant <span className="mono">{current.name}</span>: create it in Settings → Global
            constants, or pick another.
          </p>
        );
      }
      return chosen.secret ? (
        <p className="hint">
          Read at run time from the sealed constant <span className="mono">{current.name}</span>; never shown again.
        </p>
      ) : (
        <p className="hint hint-warning">
          <span className="mono">{current.name}</span> is not a secret constant: anyone who can read the constants sees
          its value.
        </p>
      );
    case 'stored':
      return (
        <p className="hint">
          A secret is stored with this task. It is never shown again; replace it, or pick a constant.
        </p>
      );
    case 'typed':
      return (
        <p className="hint hint-warning">
          A typed secret is kept in the workflow version. A secret global constant is sealed at rest and can be rotated
          in one place.
        </p>
      );
    case 'other-reference':
      return <p className="hint">Rendered by Liquid at run time.</p>;
    case 'empty':
      return null;
  }
}

/** Creates a secret global constant (`PUT /workflows/global_constants/{name}`, sealed) and picks it. */
function NewConstant({
  label,
  existing,
  onCreated,
  onCancel,
}: {
  label: string;
  existing: readonly string[];
  onCreated: (name: string) => void;
  onCancel: () => void;
}) {
  const nameId = useId();
  const valueId = useId();
  const [name, setName] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [isBusy, setBusy] = useState(false);
  const nameProblem =
    name === ''
      ? undefined
      : !NAME.test(name)
        ? 'Letters, digits and _, starting with a letter or _.'
        : existing.includes(name)
          ? 'A constant has this name; pick it from the list, or choose another name.'
          : undefined;
  const create = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await setGlobalConstant(name, secret, true);
      onCreated(name);
    } catch (caught) {
      setError(messageOf(caught));
      setBusy(false);
    }
  };
  return (
    <div className="new-constant" role="group" aria-label={`New secret constant for ${label}`}>
      <div className="field">
        <label htmlFor={nameId}>Constant name</label>
        <input
          id={nameId}
          className={`input mono${nameProblem ? ' is-invalid' : ''}`}
          value={name}
          placeholder="e.g. BillingApiToken"
          autoComplete="off"
          onChange={(event) => setName(event.target.value.trim())}
        />
        {nameProblem ? <p className="field-error">{nameProblem}</p> : null}
      </div>
      <div className="field">
        <label htmlFor={valueId}>Secret value</label>
        <input
          id={valueId}
          className="input mono"
          type="password"
          autoComplete="off"
          value={secret}
          onChange={(event) => setSecret(event.target.value)}
        />
        <p className="hint">Sealed at rest and shown only as its last 4 characters from now on.</p>
      </div>
      <div className="button-row">
        <button
          type="button"
          className="button button-small button-primary"
          disabled={isBusy || name === '' || secret === '' || Boolean(nameProblem)}
          onClick={() => void create()}
        >
          {isBusy ? 'Saving…' : 'Save and use it'}
        </button>
        <button type="button" className="button button-small" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {error ? <p className="field-error">{error}</p> : null}
    </div>
  );
}
