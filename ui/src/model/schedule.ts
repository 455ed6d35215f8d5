import { Cron } from 'croner';
import { FRIENDLY_TIME_ZONES, resolveTimeZone } from '../../../src/model/timezones.js';

/** The schedule section: cron patterns (6 fields with seconds first, or 5) in a time zone, as the engine reads them. */

export { FRIENDLY_TIME_ZONES };

/** The IANA zone of a friendly or IANA name; undefined when the browser does not know it. */
export function ianaZoneOf(name: string): string | undefined {
  const zone = resolveTimeZone(name) ?? name;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

export type NextRuns = { ok: true; times: Date[]; zone: string } | { ok: false; message: string };

/** The next `count` times a cron pattern fires in a zone (after `from`), or why it cannot be read. */
export function nextRuns(pattern: string, timeZone: string, count = 5, from = new Date()): NextRuns {
  const trimmed = pattern.trim();
  if (trimmed === '') return { ok: false, message: 'Enter a cron pattern.' };
  const fields = trimmed.split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    return { ok: false, message: `A cron pattern has 5 fields (or 6, seconds first); this one has ${fields}.` };
  }
  const zone = ianaZoneOf(timeZone);
  if (!zone) return { ok: false, message: `“${timeZone}” is not a time zone this browser knows.` };
  try {
    const cron = new Cron(trimmed, { timezone: zone, paused: true });
    const times = cron.nextRuns(count, from);
    cron.stop();
    if (times.length === 0) return { ok: false, message: 'This pattern never fires.' };
    return { ok: true, times, zone };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Friendly names first (as the reference writes them), then the browser's IANA zones. */
export function timeZoneChoices(): string[] {
  const friendly = Object.keys(FRIENDLY_TIME_ZONES);
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const iana = intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [];
  return [...friendly, ...iana.filter((zone) => !friendly.includes(zone))];
}
