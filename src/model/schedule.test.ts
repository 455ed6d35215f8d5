import { describe, expect, it } from 'vitest';
import { FRIENDLY_TIME_ZONES } from './timezones.js';
import { isValidInterval, normalizeInterval, parseSchedule, ScheduleError } from './schedule.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('schedules', () => {
  it('reads 6 fields (seconds first), 5 fields, and the reference /N shorthand', () => {
    expect(normalizeInterval('0 /5 * /1 * *')).toBe('0 */5 * */1 * *');
    const everyFive = parseSchedule('0 /5 * /1 * *', 'UTC');
    expect(iso(everyFive.nextAfter(at('2026-01-01T00:02:00Z')))).toBe('2026-01-01T00:05:00.000Z');
    const fiveFields = parseSchedule('30 9 * * *', 'UTC');
    expect(iso(fiveFields.nextAfter(at('2026-01-01T00:00:00Z')))).toBe('2026-01-01T09:30:00.000Z');
    expect(isValidInterval('every tuesday')).toBe(false);
    expect(isValidInterval('0 0 0 31 2 *')).toBe(false);
    expect(isValidInterval('0 0 * * * * 2030')).toBe(false);
  });

  it('resolves friendly names and IANA names; every friendly name maps to a zone this Node knows', () => {
    expect(parseSchedule('0 0 9 * * *', 'Eastern Time (US & Canada)').timeZone).toBe('America/New_York');
    expect(parseSchedule('0 0 9 * * *', 'Europe/Paris').timeZone).toBe('Europe/Paris');
    expect(() => parseSchedule('0 0 9 * * *', 'Mars/Olympus')).toThrow(ScheduleError);
    for (const zone of Object.values(FRIENDLY_TIME_ZONES)) {
      expect(() => new Intl.DateTimeFormat('en-US', { timeZone: zone }), zone).not.toThrow();
    }
    expect(Object.keys(FRIENDLY_TIME_ZONES).length).toBeGreaterThanOrEqual(150);
  });

  it('handles DST in the schedule zone', () => {
    const ny = parseSchedule('0 30 2 * * *', 'America/New_York');
    // 2026-03-08 02:30 does not exist in New York: it runs at 03:00 EDT.
    expect(iso(ny.nextAfter(at('2026-03-07T12:00:00Z')))).toBe('2026-03-08T07:00:00.000Z');
    const fallBack = parseSchedule('0 30 1 * * *', 'America/New_York');
    // 2026-11-01 01:30 happens twice: a fixed-time schedule runs once.
    expect(iso(fallBack.nextAfter(at('2026-11-01T05:30:00Z')))).toBe('2026-11-02T06:30:00.000Z');
    expect(iso(fallBack.latestAtOrBefore(at('2026-11-01T05:30:00Z')))).toBe('2026-11-01T05:30:00.000Z');
  });
});
