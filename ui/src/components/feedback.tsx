import type { ReactNode } from 'react';
import { ApiError, messageOf } from '../api/client';

/** An error as the API worded it, announced to screen readers. */
export function ErrorBanner({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  if (!error) return null;
  const fields = error instanceof ApiError && error.fields.length > 0 ? error.fields : [];
  return (
    <div className="banner banner-error" role="alert">
      <div>
        {title ? <strong>{title} </strong> : null}
        {messageOf(error)}
        {fields.length > 0 ? <div className="banner-detail">Field: {fields.join(', ')}</div> : null}
      </div>
      {onRetry ? (
        <button type="button" className="button button-small" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/**
 * An operation this Weir does not offer yet (its endpoint answered 404/405), said plainly instead of a
 * raw error. Other failures fall through to `ErrorBanner`.
 */
export function Unavailable({
  error,
  what,
  endpoint,
  isAny404Missing = false,
}: {
  error: unknown;
  what: string;
  endpoint: string;
  /** Every 404 means the endpoint is missing (a list whose path a wider route would otherwise catch). */
  isAny404Missing?: boolean;
}) {
  if (error instanceof ApiError && (error.isMissingEndpoint || (isAny404Missing && error.status === 404))) {
    return (
      <div className="banner banner-info" role="status">
        <div>
          <strong>{what}: not available on this Weir yet.</strong> The UI uses <code>{endpoint}</code>, which this
          server answered with HTTP {error.status}. Upgrade Weir to use it.
        </div>
      </div>
    );
  }
  return <ErrorBanner error={error} />;
}

export function Notice({ children, tone = 'info' }: { children: ReactNode; tone?: 'info' | 'success' | 'warning' }) {
  return (
    <div className={`banner banner-${tone}`} role="status">
      <div>{children}</div>
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children ? <div className="empty-body">{children}</div> : null}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}
