import { useEffect, useId, useState, type FormEvent } from 'react';
import { signIn, SignInError } from '../session';

/** The sign-in form: an OAuth client id and secret, exchanged for a token (client credentials). */
export function SignInPage({ reason }: { reason?: string | undefined }) {
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [isBusy, setBusy] = useState(false);
  const idField = useId();
  const secretField = useId();
  const hintId = useId();
  useEffect(() => {
    document.title = 'Sign in · Weir';
  }, []);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(clientId.trim(), secret);
    } catch (caught) {
      setError(caught instanceof SignInError ? caught.message : 'Sign-in failed. Try again.');
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <form className="card signin-card" onSubmit={(event) => void submit(event)} aria-describedby={hintId}>
        <div className="brand brand-large" aria-hidden="true">
          <span className="brand-mark">W</span> Weir
        </div>
        <h1>Sign in</h1>
        <p id={hintId} className="muted">
          Use an OAuth client of this Weir: the admin client printed at first start, one from{' '}
          <code>WEIR_BOOTSTRAP_CLIENT_ID</code>, or one made with <code>npx weir clients create</code>.
        </p>
        {reason && !error ? (
          <div className="banner banner-info" role="status">
            <div>{reason}</div>
          </div>
        ) : null}
        {error ? (
          <div className="banner banner-error" role="alert">
            <div>{error}</div>
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={idField}>Client id</label>
          <input
            id={idField}
            className="input"
            name="client_id"
            autoComplete="username"
            required
            value={clientId}
            onChange={(event) => setClientId(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={secretField}>Client secret</label>
          <input
            id={secretField}
            className="input"
            name="client_secret"
            type="password"
            autoComplete="current-password"
            required
            value={secret}
            onChange={(event) => setSecret(event.target.value)}
          />
        </div>
        <button type="submit" className="button button-primary button-wide" disabled={isBusy}>
          {isBusy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="hint">The token is kept in this tab only, and forgotten when you sign out or close it.</p>
      </form>
    </main>
  );
}
