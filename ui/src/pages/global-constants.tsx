import { useId, useState, type FormEvent } from 'react';
import { deleteGlobalConstant, listGlobalConstants, setGlobalConstant } from '../api/global-constants';
import { EmptyState, ErrorBanner, Loading } from '../components/feedback';
import { useResource } from '../hooks/use-resource';
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
  const ids = { name: useId(), value: useId(), secret: useId() };

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

  const remove = async (constant: string) => {
    setError(null);
    try {
      await deleteGlobalConstant(constant);
      list.reload();
    } catch (failure) {
      setError(failure);
    }
  };

  const constants = list.data?.data ?? [];
  return (
    <>
      <PageHeading title="Global constants" />
      <p className="muted">
        Tenant-wide values every template reads as <code>{'{{ GlobalConstants.NAME }}'}</code>. A secret is sealed at
        rest and never shown again.
      </p>
      <ErrorBanner error={error ?? list.error} onRetry={list.error ? list.reload : undefined} />
      <form className="form" onSubmit={(event) => void save(event)}>
        <label htmlFor={ids.name}>Name</label>
        <input id={ids.name} className="input mono" value={name} onChange={(e) => setName(e.target.value)} required />
        <label htmlFor={ids.value}>Value</label>
        <input
          id={ids.value}
          className="input mono"
          type={isSecret ? 'password' : 'text'}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          required
        />
        <label htmlFor={ids.secret}>
          <input id={ids.secret} type="checkbox" checked={isSecret} onChange={(e) => setIsSecret(e.target.checked)} />{' '}
          Secret
        </label>
        <button type="submit" className="button button-primary" disabled={isSaving}>
          Save constant
        </button>
      </form>
      {list.isLoading && !list.data ? <Loading /> : null}
      {list.data && constants.length === 0 ? <EmptyState title="No global constants yet" /> : null}
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
                  <td className="mono">
                    {constant.secret ? `secret ${constant.hint ?? ''}` : JSON.stringify(constant.value)}
                  </td>
                  <td>{constant.updated_at}</td>
                  <td>
                    <button type="button" className="button button-small" onClick={() => void remove(constant.name)}>
                      Delete {constant.name}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
