import { useId, useState } from 'react';
import type { TaskInstance } from '../api/types';
import { toneOf } from '../components/badges';
import { durationBetween, formatDuration, parseApiTime } from '../model/format';
import { timelineScale } from '../model/timeline-scale';

/**
 * Rows drawn at once before "Show all": a run of hundreds of task instances stays quick to render and
 * to scan, and the failed ones are never hidden (the filter shows them first).
 */
const ROW_LIMIT = 100;

/**
 * The task instances of a run in the order they started, each with a bar from its start to its end.
 * Long quiet gaps (a rerun an hour later) are drawn as breaks, so earlier bars stay readable; the list
 * scrolls inside its card, and can be narrowed to failed instances or by name.
 */
export function Timeline({
  instances,
  selectedId,
  onSelect,
}: {
  instances: readonly TaskInstance[];
  selectedId: number | null;
  onSelect: (id: number) => void;
}) {
  const filterId = useId();
  const [isOnlyFailed, setOnlyFailed] = useState(false);
  const [search, setSearch] = useState('');
  const [isShowingAll, setShowingAll] = useState(false);
  if (instances.length === 0) return <p className="muted">No task instance yet.</p>;
  const now = Date.now();
  const timeOf = (value: string | null) => parseApiTime(value)?.getTime();
  const sorted = [...instances].sort((a, b) => {
    const x = timeOf(a.start_time) ?? Number.MAX_SAFE_INTEGER;
    const y = timeOf(b.start_time) ?? Number.MAX_SAFE_INTEGER;
    return x - y || a.id - b.id;
  });
  const scale = timelineScale(
    sorted.flatMap((i) => {
      const start = timeOf(i.start_time);
      return start === undefined ? [] : [{ start, end: timeOf(i.end_time) ?? now }];
    }),
  );
  const failedCount = sorted.filter((i) => i.status === 'Error').length;
  const needle = search.trim().toLowerCase();
  const matching = sorted.filter(
    (i) => (!isOnlyFailed || i.status === 'Error') && (!needle || i.name.toLowerCase().includes(needle)),
  );
  const rows = isShowingAll ? matching : matching.slice(0, ROW_LIMIT);
  const isLong = sorted.length > 12;

  return (
    <div className="timeline-wrap">
      {isLong || failedCount > 0 ? (
        <div className="timeline-tools">
          <span className="muted small">
            {sorted.length} task {sorted.length === 1 ? 'instance' : 'instances'}
            {failedCount > 0 ? `, ${failedCount} failed` : ''}
          </span>
          {failedCount > 0 ? (
            <label className="check small">
              <input type="checkbox" checked={isOnlyFailed} onChange={(event) => setOnlyFailed(event.target.checked)} />
              Only failed
            </label>
          ) : null}
          {isLong ? (
            <>
              <label htmlFor={filterId} className="visually-hidden">
                Find a task instance by name
              </label>
              <input
                id={filterId}
                className="input input-small"
                type="search"
                placeholder="Find by name…"
                value={search}
                onChange={(event) => setSearch(event.target.value)}
              />
            </>
          ) : null}
        </div>
      ) : null}
      <div className={`timeline-scroll${isLong ? ' is-long' : ''}`}>
        {scale.breaks.length > 0 ? (
          <div className="timeline-axis" aria-hidden="true">
            <span />
            <span className="timeline-track">
              {scale.breaks.map((b) => (
                <span
                  key={b.at}
                  className="timeline-break-label"
                  style={{ left: `${b.at}%`, width: `${Math.max(b.width, 3)}%` }}
                >
                  {formatDuration(b.durationMs / 1000)} later
                </span>
              ))}
            </span>
            <span />
          </div>
        ) : null}
        <ol className="timeline">
          {rows.map((instance) => {
            const start = timeOf(instance.start_time);
            const end = timeOf(instance.end_time) ?? (start !== undefined ? now : undefined);
            const left = start === undefined ? 0 : scale.position(start);
            const right = end === undefined ? left : scale.position(end);
            const seconds = durationBetween(instance.start_time, instance.end_time);
            const isSelected = instance.id === selectedId;
            return (
              <li key={instance.id}>
                <button
                  type="button"
                  className={`timeline-row${isSelected ? ' is-selected' : ''}`}
                  aria-pressed={isSelected}
                  aria-label={`${instance.name}, ${instance.status}${seconds !== undefined ? `, ${formatDuration(seconds)}` : ''}`}
                  onClick={() => onSelect(instance.id)}
                >
                  <span className="timeline-name">
                    <span className={`badge-dot dot-${toneOf(instance.status)}`} aria-hidden="true" />
                    <span className="timeline-label">{instance.name}</span>
                    {instance.attempt && instance.attempt > 1 ? (
                      <span className="muted small"> · try {instance.attempt}</span>
                    ) : null}
                    {instance.rerun_of ? <span className="muted small"> · rerun</span> : null}
                  </span>
                  <span className="timeline-track" aria-hidden="true">
                    {scale.breaks.map((b) => (
                      <span key={b.at} className="timeline-break" style={{ left: `${b.at}%`, width: `${b.width}%` }} />
                    ))}
                    {start !== undefined ? (
                      <span
                        className={`timeline-bar tone-bg-${toneOf(instance.status)}`}
                        style={{ left: `${left}%`, width: `${Math.max(0, right - left)}%` }}
                      />
                    ) : (
                      <span className="timeline-waiting">not started</span>
                    )}
                  </span>
                  <span className="timeline-duration">
                    {seconds !== undefined ? formatDuration(seconds) : instance.status}
                  </span>
                </button>
              </li>
            );
          })}
        </ol>
      </div>
      {matching.length > rows.length ? (
        <button type="button" className="button button-small" onClick={() => setShowingAll(true)}>
          Show all {matching.length} task instances
        </button>
      ) : null}
      {matching.length === 0 ? <p className="muted small">No task instance matches.</p> : null}
    </div>
  );
}
