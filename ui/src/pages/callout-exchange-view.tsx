import type { CalloutExchange, HeaderLine } from '../model/callout-exchange';
import { prettyJson } from '../model/format';

/** A Callout's request and response, side by side with the error, so a failure is read at a glance. */
export function CalloutExchangeView({ exchange }: { exchange: CalloutExchange }) {
  const code = exchange.responseCode;
  const tone = code === null ? 'error' : code < 300 ? 'success' : code < 400 ? 'waiting' : 'error';
  return (
    <section className="exchange" aria-label="HTTP exchange">
      <h3>Request</h3>
      <p className="exchange-line mono">
        <strong>{exchange.method}</strong> <span className="break-all">{exchange.url}</span>
      </p>
      {exchange.tries > 1 ? <p className="muted small">Sent {exchange.tries} times (retries).</p> : null}
      <Headers lines={exchange.requestHeaders} label="Request headers" />
      <Body value={exchange.requestBody} label="Request body" />
      <h3>Response</h3>
      <p className="exchange-line">
        <span className={`badge badge-${tone}`}>
          <span className="badge-dot" aria-hidden="true" />
          {code === null ? 'No answer' : code}
        </span>
      </p>
      <Headers lines={exchange.responseHeaders} label="Response headers" />
      <Body value={exchange.responseBody} label="Response body" />
    </section>
  );
}

function Headers({ lines, label }: { lines: HeaderLine[]; label: string }) {
  if (lines.length === 0) return null;
  return (
    <table className="table table-compact headers" aria-label={label}>
      <tbody>
        {lines.map((line) => (
          <tr key={line.name}>
            <th scope="row" className="mono">
              {line.name}
            </th>
            <td className="mono break-all">
              {line.value}
              {line.isMasked ? <span className="muted small"> (masked)</span> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Body({ value, label }: { value: unknown; label: string }) {
  if (value === null || value === undefined || value === '') return <p className="muted small">{label}: empty.</p>;
  return (
    <pre className="code" tabIndex={0} aria-label={label}>
      {typeof value === 'string' ? value : prettyJson(value)}
    </pre>
  );
}
