import type { TaskInstance } from '../api/types';
import { toneOf } from '../components/badges';
import { durationBetween, formatDuration, parseApiTime } from '../model/format';

/**
 * The task instances of a run in the order they started, each with a bar from its start to its end
 * on the run's time axis. Each row selects that instance.
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
  if (instances.length === 0) return <p className="muted">No task instance yet.</p>;
  const now = Date.now();
  const rows = [...instances].sort((a, b) => {
    const x = parseApiTime(a.start_time)?.getTime() ?? Number.MAX_SAFE_INTEGER;
    const y = parseApiTime(b.start_time)?.getTime() ?? Number.MAX_SAFE_INTEGER;
    return x - y || a.id - b.id;
  });
  const starts = rows.map((i) => parseApiTime(i.start_time)?.getTime()).filter((t): t is number => t !== undefined);
  const ends = rows
    .map((i) => parseApiTime(i.end_time)?.getTime() ?? (i.start_time ? now : undefined))
    .filter((t): t is number => t !== undefined);
  const from = starts.length > 0 ? Math.min(...starts) : now;
  const to = Math.max(from + 1, ...ends);
  const span = to - from;

  return (
    <ol className="timeline">
      {rows.map((instance) => {
        const start = parseApiTime(instance.start_time)?.getTime();
        const end = parseApiTime(instance.end_time)?.getTime() ?? (start !== undefined ? now : undefined);
        const left = start === undefined ? 0 : ((start - from) / span) * 100;
        const width = start === undefined || end === undefined ? 0 : Math.max(0.8, ((end - start) / span) * 100);
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
                {instance.name}
                {instance.attempt && instance.attempt > 1 ? (
                  <span className="muted small"> · try {instance.attempt}</span>
                ) : null}
                {instance.rerun_of ? <span className="muted small"> · rerun</span> : null}
              </span>
              <span className="timeline-track" aria-hidden="true">
                {start !== undefined ? (
                  <span
                    className={`timeline-bar tone-bg-${toneOf(instance.status)}`}
                    style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }}
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
  );
}
