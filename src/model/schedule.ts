import { Cron } from 'croner';
import { resolveTimeZone } from './timezones.js';

/**
 * A workflow's scheduled trigger: `interval` is cron with 6 fields (seconds first) or 5 (seconds 0),
 * read by croner; `timezone` is one of the reference's friendly names or an IANA name. Due instants are
 * computed in that zone, so DST is handled the way croner does it: a fixed-time schedule (single
 * second, minute and hour, e.g. `0 30 2 * * *`) whose local time falls in a spring-forward gap runs at
 * the first instant after the gap, and once when a fall-back repeats its local time; other schedules
 * (`0 0 * * * *`) skip gap times and run on both occurrences of a repeated time.
 */
export interface Schedule {
  /** The interval as croner reads it (the reference's `/N` fields written with a leading star). */
  interval: string;
  /** The IANA zone. */
  timeZone: string;
  /** The first due instant strictly after `after` (epoch ms), or null when there is none. */
  nextAfter(after: number): number | null;
  /** The latest due instant at or before `at`, or null when there is none. */
  latestAtOrBefore(at: number): number | null;
}

/** An interval or time zone that cannot be scheduled; `field` names the setting at fault. */
export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
  constructor(
    readonly field: 'interval' | 'timezone',
    message: string,
  ) {
    super(message);
  }
}

/** The reference's message for a bad interval (its PATCH 422 says exactly this). */
export const INVALID_INTERVAL_TITLE = 'The entered cron interval is not valid, rebuild schedule and submit again.';

/**
 * The reference writes `/N` for "every N" (its UI emits `0 /5 * /1 * *`); croner wants a star before the
 * slash. Only a field that starts with `/` is rewritten.
 */
export function normalizeInterval(interval: string): string {
  return interval
    .trim()
    .split(/\s+/)
    .map((field) => (field.startsWith('/') ? `*${field}` : field))
    .join(' ');
}

/** Parses a schedule. Throws `ScheduleError` naming `interval` or `timezone`. */
export function parseSchedule(interval: string, timezone: string): Schedule {
  const timeZone = resolveTimeZone(timezone);
  if (!timeZone) throw new ScheduleError('timezone', `${timezone} is not a valid timezone.`);
  const pattern = normalizeInterval(interval);
  let cron: Cron;
  try {
    // No callback: croner sets no timer of its own; Weir only asks it for due instants.
    cron = new Cron(pattern, { timezone: timeZone, mode: '5-or-6-parts' });
  } catch {
    throw new ScheduleError('interval', INVALID_INTERVAL_TITLE);
  }
  return {
    interval: pattern,
    timeZone,
    nextAfter: (after) => cron.nextRun(new Date(after))?.getTime() ?? null,
    // croner's previousRuns excludes its reference instant: ask from 1 ms later to include `at`.
    latestAtOrBefore: (at) => cron.previousRuns(1, new Date(at + 1))[0]?.getTime() ?? null,
  };
}

/** True when croner reads `interval` (5 or 6 fields) and it has at least one due instant ahead. */
export function isValidInterval(interval: string): boolean {
  try {
    return parseSchedule(interval, 'UTC').nextAfter(Date.now()) !== null;
  } catch {
    return false;
  }
}
