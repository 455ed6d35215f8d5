import { lazy, Suspense, useEffect, useState } from 'react';
import { Loading } from './components/feedback';
import { onSessionChange, readSession, signOut, type Session } from './session';
import { PageHeading } from './pages/page-heading';
import { SignInPage } from './pages/sign-in';
import { WorkflowListPage } from './pages/workflow-list';
import { confirmLeaving, useRoute } from './router';

// The graph canvas, the layout engine and the cron library load with the pages that use them.
const WorkflowPage = lazy(() => import('./pages/workflow-page').then((m) => ({ default: m.WorkflowPage })));
const GlobalConstantsPage = lazy(() =>
  import('./pages/global-constants').then((m) => ({ default: m.GlobalConstantsPage })),
);
const RunPage = lazy(() => import('./pages/run-page').then((m) => ({ default: m.RunPage })));
const RunsPage = lazy(() => import('./pages/runs-page').then((m) => ({ default: m.RunsPage })));

/** The shell: sign-in until there is a session, then the header and the page the hash names. */
export function App() {
  const [session, setSession] = useState<Session | null>(() => readSession());
  const [reason, setReason] = useState<string | undefined>();
  const route = useRoute();

  useEffect(
    () =>
      onSessionChange((next, why) => {
        setSession(next);
        setReason(why);
      }),
    [],
  );

  useEffect(() => {
    if (!session) return;
    // Sign out when the token runs out, rather than fail the next click.
    const timer = window.setTimeout(
      () => signOut('Your session has expired. Sign in again.'),
      Math.max(0, session.expiresAt - Date.now() - 30_000),
    );
    return () => window.clearTimeout(timer);
  }, [session]);

  if (!session) return <SignInPage reason={reason} />;

  return (
    <>
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href="#/" aria-label="Weir, all workflows">
          <span className="brand-mark" aria-hidden="true">
            W
          </span>
          Weir
        </a>
        <nav aria-label="Main">
          <a href="#/" className="topnav-link" aria-current={route.page === 'workflows' ? 'page' : undefined}>
            Workflows
          </a>
          <a
            href="#/runs"
            className="topnav-link"
            aria-current={route.page === 'runs' || route.page === 'run' ? 'page' : undefined}
          >
            All runs
          </a>
          <a href="#/constants" className="topnav-link" aria-current={route.page === 'constants' ? 'page' : undefined}>
            Global constants
          </a>
        </nav>
        <div className="topbar-end">
          <span className="muted small" title={session.scope}>
            Signed in as <span className="mono">{session.clientId}</span>
          </span>
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              if (confirmLeaving()) signOut('You signed out.');
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          {route.page === 'workflows' ? <WorkflowListPage /> : null}
          {route.page === 'workflow' ? (
            <WorkflowPage
              key={route.workflowId}
              workflowId={route.workflowId}
              tab={route.tab}
              version={route.version}
            />
          ) : null}
          {route.page === 'run' ? <RunPage key={route.runId} runId={route.runId} /> : null}
          {route.page === 'runs' ? <RunsPage filters={route.filters} /> : null}
          {route.page === 'constants' ? <GlobalConstantsPage /> : null}
          {route.page === 'not-found' ? (
            <>
              <PageHeading title="Nothing here" />
              <p>
                There is no page at <code>{route.path}</code>. <a href="#/">See all workflows</a>.
              </p>
            </>
          ) : null}
        </Suspense>
      </main>
    </>
  );
}
