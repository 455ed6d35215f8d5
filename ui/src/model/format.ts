/** Times and durations as people read them. The API writes ISO times and `YYYY-MM-DD HH:MM:SS UTC`. */

/** Parses either of the API's time formats; undefined when absent or unreadable. */
export function parseApiTime(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const utc = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC$/.exec(value);
  const date = new Date(utc ? `${utc[1]}T${utc[2]}Z` : value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const DATE_TIME = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export function formatTime(value: string | Date | null | undefined): string {
  const date = value instanceof Date ? value : parseApiTime(value);
  return date ? DATE_TIME.format(date) : '—';
}

/** A time in a given IANA zone, with the zone's abbreviation. */
export function formatTimeInZone(date: Date, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, {
      weekday: 'short',
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZone,
      timeZoneName: 'short',
    }).format(date);
  } catch {
    return date.toISOString();
  }
}

const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "3 minutes ago". */
export function formatRelative(value: string | null | undefined, now = Date.now()): string {
  const date = parseApiTime(value);
  if (!date) return '—';
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return RELATIVE.format(seconds, 'second');
  if (abs < 3600) return RELATIVE.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return RELATIVE.format(Math.round(seconds / 3600), 'hour');
  return RELATIVE.format(Math.round(seconds / 86_400), 'day');
}

/** Seconds as `850 ms`, `4.2 s`, `3 min 5 s`, `2 h 4 min`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Milliseconds between two API times, or undefined. */
export function durationBetween(start: string | null | undefined, end: string | null | undefined): number | undefined {
  const from = parseApiTime(start);
  const to = parseApiTime(end);
  return from && to ? (to.getTime() - from.getTime()) / 1000 : undefined;
}

/** Pretty JSON; strings that hold JSON stay strings. */
export function prettyJson(value: unknown): string {
  if (value === undefined) return '';
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}
