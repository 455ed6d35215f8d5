/**
 * Date arithmetic behind the `date_manip`, `date_diff` and `in_time_zone` Liquid filters.
 * Everything is computed in UTC so results never depend on the server's time zone; only
 * `formatInTimeZone` looks at a zone, through `Intl.DateTimeFormat` (no date library).
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

export type DateUnit = 'seconds' | 'minutes' | 'hours' | 'days' | 'weeks' | 'months' | 'years';

const FIXED_UNIT_MS: Record<Exclude<DateUnit, 'months' | 'years'>, number> = {
  seconds: SECOND,
  minutes: MINUTE,
  hours: HOUR,
  days: DAY,
  weeks: WEEK,
};

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** An ISO date-time without `Z` or an offset: JS would read it in local time, we read it as UTC. */
const ZONELESS_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;

/** A parsed filter input: the instant, and whether it was written as a bare `YYYY-MM-DD`. */
export interface ParsedDate {
  date: Date;
  dateOnly: boolean;
}

/**
 * Reads a date the way Liquid's `date` filter does: `"now"`/`"today"`, epoch seconds (number or
 * digit string), or a date string (ISO 8601 preferred; zone-less means UTC).
 * Throws `Error` naming `filter` when the value is not a date.
 */
export function parseDate(value: unknown, filter: string): ParsedDate {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return { date: new Date(value), dateOnly: false };
  if (typeof value === 'number' && Number.isFinite(value)) return { date: new Date(value * SECOND), dateOnly: false };
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === 'now' || text === 'today') return { date: new Date(), dateOnly: false };
    if (/^\d+$/.test(text)) return { date: new Date(Number(text) * SECOND), dateOnly: false };
    const zoneless = ZONELESS_DATE_TIME.exec(text);
    const normalised = zoneless ? `${zoneless[1]}T${zoneless[2]}Z` : text;
    const ms = Date.parse(normalised);
    if (!Number.isNaN(ms)) return { date: new Date(ms), dateOnly: DATE_ONLY.test(text) };
  }
  throw new Error(`${filter}: invalid date ${JSON.stringify(value) ?? String(value)}`);
}

/** Accepts `day`, `days`, `Days`…; throws `Error` naming `filter` for anything else. */
export function parseUnit(unit: unknown, filter: string): DateUnit {
  const text = String(unit).trim().toLowerCase();
  const plural = text.endsWith('s') ? text : `${text}s`;
  if (Object.hasOwn(FIXED_UNIT_MS, plural) || plural === 'months' || plural === 'years') return plural as DateUnit;
  throw new Error(
    `${filter}: unknown unit ${JSON.stringify(unit) ?? String(unit)} (use seconds, minutes, hours, days, weeks, months or years)`,
  );
}

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month + 1, 0);
  return d.getUTCDate();
}

/** Calendar months, clamping the day as Ruby/ActiveSupport do (Jan 31 + 1 month = Feb 28/29). */
function addMonths(date: Date, months: number): Date {
  const result = new Date(date.getTime());
  const day = result.getUTCDate();
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + months);
  result.setUTCDate(Math.min(day, daysInMonth(result.getUTCFullYear(), result.getUTCMonth())));
  return result;
}

function add(date: Date, amount: number, unit: DateUnit): Date {
  if (unit === 'months') return addMonths(date, amount);
  if (unit === 'years') return addMonths(date, amount * 12);
  return new Date(date.getTime() + amount * FIXED_UNIT_MS[unit]);
}

const STEP = /([+-]?)\s*(\d+)\s*([A-Za-z]+)/y;

/**
 * Applies `"+1 day"`, `"-2 hours"`, `"+3 months"` (several steps may follow each other:
 * `"+1 month -1 day"`). Returns an ISO string; a bare `YYYY-MM-DD` input moved only by whole
 * days or more stays a bare date. Throws `Error` on a malformed step or unknown unit.
 */
export function manipulateDate(parsed: ParsedDate, spec: unknown): string {
  const text = String(spec).trim();
  let date = parsed.date;
  let timeMoved = false;
  let position = 0;
  let steps = 0;
  while (position < text.length) {
    STEP.lastIndex = position;
    const match = STEP.exec(text);
    if (!match) break;
    const unit = parseUnit(match[3], 'date_manip');
    const amount = Number(match[2]) * (match[1] === '-' ? -1 : 1);
    date = add(date, amount, unit);
    if (unit === 'seconds' || unit === 'minutes' || unit === 'hours') timeMoved = true;
    steps += 1;
    position = STEP.lastIndex;
    while (text[position] === ' ') position += 1;
  }
  if (steps === 0 || position < text.length) {
    throw new Error(`date_manip: cannot read ${JSON.stringify(text)} (expected e.g. "+1 day" or "-2 hours")`);
  }
  if (Number.isNaN(date.getTime())) throw new Error('date_manip: result is out of range');
  return parsed.dateOnly && !timeMoved ? date.toISOString().slice(0, 10) : date.toISOString();
}

function monthsBetween(later: Date, earlier: Date): number {
  let months = (later.getUTCFullYear() - earlier.getUTCFullYear()) * 12 + (later.getUTCMonth() - earlier.getUTCMonth());
  // Whole months only: step back when the last month is not complete yet.
  if (months > 0 && addMonths(earlier, months).getTime() > later.getTime()) months -= 1;
  if (months < 0 && addMonths(earlier, months).getTime() < later.getTime()) months += 1;
  return months;
}

/** `a - b` in whole `unit`s, truncated toward zero (so never `-0`). */
export function diffDates(a: Date, b: Date, unit: DateUnit): number {
  let result: number;
  if (unit === 'months') result = monthsBetween(a, b);
  else if (unit === 'years') result = Math.trunc(monthsBetween(a, b) / 12);
  else result = Math.trunc((a.getTime() - b.getTime()) / FIXED_UNIT_MS[unit]);
  return result === 0 ? 0 : result;
}

/** The Rails (ActiveSupport) zone names the reference accepts, beside IANA names. */
const FRIENDLY_ZONES: Record<string, string> = {
  utc: 'UTC',
  gmt: 'UTC',
  hawaii: 'Pacific/Honolulu',
  alaska: 'America/Juneau',
  'pacific time (us & canada)': 'America/Los_Angeles',
  'mountain time (us & canada)': 'America/Denver',
  arizona: 'America/Phoenix',
  'central time (us & canada)': 'America/Chicago',
  'eastern time (us & canada)': 'America/New_York',
  'atlantic time (canada)': 'America/Halifax',
  'mexico city': 'America/Mexico_City',
  brasilia: 'America/Sao_Paulo',
  'buenos aires': 'America/Argentina/Buenos_Aires',
  london: 'Europe/London',
  edinburgh: 'Europe/London',
  dublin: 'Europe/Dublin',
  lisbon: 'Europe/Lisbon',
  paris: 'Europe/Paris',
  berlin: 'Europe/Berlin',
  amsterdam: 'Europe/Amsterdam',
  madrid: 'Europe/Madrid',
  rome: 'Europe/Rome',
  stockholm: 'Europe/Stockholm',
  zurich: 'Europe/Zurich',
  athens: 'Europe/Athens',
  moscow: 'Europe/Moscow',
  dubai: 'Asia/Dubai',
  'abu dhabi': 'Asia/Dubai',
  mumbai: 'Asia/Kolkata',
  'new delhi': 'Asia/Kolkata',
  singapore: 'Asia/Singapore',
  'hong kong': 'Asia/Hong_Kong',
  beijing: 'Asia/Shanghai',
  seoul: 'Asia/Seoul',
  tokyo: 'Asia/Tokyo',
  sydney: 'Australia/Sydney',
  melbourne: 'Australia/Melbourne',
  auckland: 'Pacific/Auckland',
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: unknown): Intl.DateTimeFormat {
  const name = String(zone).trim();
  const key = name.toLowerCase();
  const iana = Object.hasOwn(FRIENDLY_ZONES, key) ? (FRIENDLY_ZONES[key] ?? name) : name;
  let formatter = formatters.get(iana);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: iana,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new Error(`in_time_zone: unknown time zone ${JSON.stringify(name)}`);
    }
    // Only valid zones get here, so the cache is bounded by the zone database.
    formatters.set(iana, formatter);
  }
  return formatter;
}

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');

/**
 * The wall-clock time of `date` in `zone` (IANA or a Rails name such as
 * "Eastern Time (US & Canada)") as `YYYY-MM-DDTHH:MM:SS±HH:MM`.
 * Throws `Error` on an unknown zone.
 */
export function formatInTimeZone(date: Date, zone: unknown): string {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(date)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = fields;
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, 0);
  const wholeSeconds = Math.floor(date.getTime() / SECOND) * SECOND;
  const offset = Math.round((local.getTime() - wholeSeconds) / MINUTE);
  const sign = offset < 0 ? '-' : '+';
  return (
    `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}` +
    `${sign}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}
