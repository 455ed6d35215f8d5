/**
 * The time axis of a run's timeline. A rerun minutes or days after the first attempt would stretch a
 * linear axis so far that every earlier bar becomes a sliver; so quiet gaps longer than a share of the
 * busy time are drawn as a short break instead of to scale. Inside busy stretches the axis is linear.
 */

export interface Interval {
  start: number;
  end: number;
}

/** A quiet gap drawn shorter than it lasted: where it sits on the axis (0 to 100) and how long it was. */
export interface AxisBreak {
  at: number;
  width: number;
  durationMs: number;
}

export interface TimelineScale {
  /** A time as a position on the axis, 0 to 100. */
  position(time: number): number;
  breaks: AxisBreak[];
}

interface Piece {
  from: number;
  to: number;
  weight: number;
  isBreak: boolean;
}

/**
 * A gap is broken when it is longer than this share of the busy time (and longer than `MIN_BREAK_MS`);
 * it is then drawn as `BREAK_SHARE` of the busy time. 0.25 and 0.04: a gap as long as the work shows
 * as a narrow notch, and a few reruns spread over a day keep their bars at a readable width.
 */
const GAP_SHARE = 0.25;
const BREAK_SHARE = 0.04;
const MIN_BREAK_MS = 2000;

/** The scale for these intervals (each instance from its start to its end, or to now while it runs). */
export function timelineScale(intervals: readonly Interval[]): TimelineScale {
  const sorted = intervals
    .filter((i) => Number.isFinite(i.start) && Number.isFinite(i.end))
    .map((i) => ({ start: i.start, end: Math.max(i.start, i.end) }))
    .sort((a, b) => a.start - b.start);
  const first = sorted[0];
  if (!first) return { position: () => 0, breaks: [] };

  // Busy stretches: the union of the intervals.
  const busy: Interval[] = [{ ...first }];
  for (const interval of sorted.slice(1)) {
    const last = busy[busy.length - 1] as Interval;
    if (interval.start <= last.end) last.end = Math.max(last.end, interval.end);
    else busy.push({ ...interval });
  }
  const busyMs = Math.max(
    1,
    busy.reduce((sum, b) => sum + (b.end - b.start), 0),
  );

  const pieces: Piece[] = [];
  busy.forEach((stretch, index) => {
    const previous = busy[index - 1];
    if (previous) {
      const gap = stretch.start - previous.end;
      const isBreak = gap > MIN_BREAK_MS && gap > busyMs * GAP_SHARE;
      pieces.push({ from: previous.end, to: stretch.start, weight: isBreak ? busyMs * BREAK_SHARE : gap, isBreak });
    }
    // A stretch of zero length (an instant task) still gets a little room.
    pieces.push({
      from: stretch.start,
      to: stretch.end,
      weight: Math.max(stretch.end - stretch.start, busyMs * 0.005),
      isBreak: false,
    });
  });
  const total = pieces.reduce((sum, p) => sum + p.weight, 0);

  const offsets: number[] = [];
  let offset = 0;
  for (const piece of pieces) {
    offsets.push(offset);
    offset += piece.weight;
  }

  const position = (time: number): number => {
    if (time <= first.start) return 0;
    for (const [index, piece] of pieces.entries()) {
      if (time <= piece.to) {
        const within = piece.to === piece.from ? 1 : (time - piece.from) / (piece.to - piece.from);
        return (((offsets[index] ?? 0) + within * piece.weight) / total) * 100;
      }
    }
    return 100;
  };
  const breaks = pieces.flatMap((piece, index) =>
    piece.isBreak
      ? [
          {
            at: ((offsets[index] ?? 0) / total) * 100,
            width: (piece.weight / total) * 100,
            durationMs: piece.to - piece.from,
          },
        ]
      : [],
  );
  return { position, breaks };
}
