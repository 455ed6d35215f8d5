import { useId, useState, type FormEvent } from 'react';
import {
  deleteGlobalConstant,
  listGlobalConstants,
  setGlobalConstant,
  type GlobalConstant,
} from '../api/global-constants';
import { Dialog } from '../components/controls';
import { EmptyState, ErrorBanner, Loading } from '../components/feedback';
import { useResource } from '../hooks/use-resource';
import { formatTime } from '../model/format';
import { PageHeading } from './page-heading';

/**
 * Global constants (`GlobalConstants.<name>` in Liquid): list, set, delete. A secret value is sent
 * once and shown only as its hint afterwards. Values are text unless they parse as JSON.
 */
export function GlobalConstantsPage() {
  const list = useResource((signal) => listGlobalConstants(signal), 'constants');
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [isSecret, setIsSecret] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [isSaving, setIsSaving] = useState(false);
  const [deleting, setDeleting] = useState<GlobalConstant | undefined>();
  const ids = { name: useId(), value: useId(), secret: useId(), secretHint: useId(), nameHint: useId() };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setIsSaving(true);
    setError(null);
    try {
      await setGlobalConstant(name.trim(), isSecret ? value : parsed(value), isSecret);
      setName('');
      setValue('');
      setIsSecret(false);
      list.reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setIsSaving(false);
    }
  };

  const constants = list.data?.data ?? [];
  return (
    <>
      <PageHeading title="Global constants" />
      <p className="muted">
        Tenant-wide values every template reads as <code>{'{{ GlobalConstants.NAME }}'}</code>. A secret is sealed at
        rest and never shown again; a Callout's credential fields pick them in the editor.
      </p>
      <ErrorBanner error={error ?? list.error} onRetry={list.error ? list.reload : undefined} />
      <form className="card constant-form" onSubmit={(event) => void save(event)}>
        <h2 className="card-title">Add or replace a constant</h2>
        <div className="constant-fields">
          <div className="field">
            <label htmlFor={ids.name}>Name</label>
            <input
              id={ids.name}
              className="input mono"
              value={name}
              autoComplete="off"
              aria-describedby={ids.nameHint}
              onChange={(e) => setName(e.target.value)}
              required
            />
            <p id={ids.nameHint} className="hint">
              Letters, digits and _; the same name replaces.
            </p>
          </div>
          <div className="field field-grow">
            <label htmlFor={ids.value}>Value</label>
            <input
              id={ids.value}
              className="input mono"
              type={isSecret ? 'password' : 'text'}
              autoComplete="off"
              value={value}
              onChange={(e) => setValue(e.target.value)}
              required
            />
            <p className="hint">Text, or JSON (a number, true, an object) when it reads as JSON.</p>
          </div>
        </div>
        <div className="constant-actions">
          <div className="check">
            <input
              id={ids.secret}
              type="checkbox"
              checked={isSecret}
              aria-describedby={ids.secretHint}
              onChange={(e) => setIsSecret(e.target.checked)}
            />
            <label htmlFor={ids.secret}>Secret</label>
            <span id={ids.secretHint} className="hint">
              Sealed at rest; shown only as its last 4 characters.
            </span>
          </div>
          <button type="submit" className="button button-primary" disabled={isSaving}>
            {isSaving ? 'Saving…' : 'Save constant'}
          </button>
        </div>
      </form>
      {list.isLoading && !list.data ? <Loading /> : null}
      {list.data && constants.length === 0 ? (
        <EmptyState title="No global constants yet">
          <p>
            Keep API keys and passwords here as secret constants, and base URLs or account ids as plain ones; tasks
            refer to them by name, so a rotation happens in one place.
          </p>
        </EmptyState>
      ) : null}
      {constants.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Value</th>
                <th scope="col">Updated</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {constants.map((constant) => (
                <tr key={constant.name}>
                  <td className="mono">{constant.name}</td>
                  <td className="mono constant-value">
                    {constant.secret ? (
                      <>
                        <span className="chip">secret</span> {constant.hint ?? ''}
                      </>
                    ) : (
                      JSON.stringify(constant.value)
                    )}
                  </td>
                  <td className="nowrap">{formatTime(constant.updated_at)}</td>
                  <td className="actions-cell">
                    <button
                      type="button"
                      className="button button-small button-danger-quiet"
                      aria-label={`Delete ${constant.name}`}
                      onClick={() => setDeleting(constant)}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {deleting ? (
        <Dialog
          title={`Delete ${deleting.name}?`}
          onClose={() => setDeleting(undefined)}
          footer={
            <>
              <button type="button" className="button" onClick={() => setDeleting(undefined)}>
                Cancel
              </button>
              <button
                type="button"
                className="button button-danger"
                onClick={() => {
                  const name = deleting.name;
                  setDeleting(undefined);
                  void deleteGlobalConstant(name).then(list.reload, setError);
                }}
              >
                Delete constant
              </button>
            </>
          }
        >
          <p>
            Tasks that refer to <code>{`{{ GlobalConstants.${deleting.name} }}`}</code> fail from then on.
            {deleting.secret ? ' A secret cannot be read back: keep a copy if you may need it.' : ''}
          </p>
        </Dialog>
      ) : null}
    </>
  );
}

/** `42`, `true`, `{"a": 1}` are JSON; anything else is the text itself. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
