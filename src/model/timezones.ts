/**
 * The reference's friendly time zone names (Rails `ActiveSupport::TimeZone`) mapped to IANA names.
 * IANA names are accepted as they are.
 */
export const FRIENDLY_TIME_ZONES: Readonly<Record<string, string>> = {
  UTC: 'Etc/UTC',
  'Pacific Time (US & Canada)': 'America/Los_Angeles',
  'Mountain Time (US & Canada)': 'America/Denver',
  'Central Time (US & Canada)': 'America/Chicago',
  'Eastern Time (US & Canada)': 'America/New_York',
  Arizona: 'America/Phoenix',
  Alaska: 'America/Juneau',
  Hawaii: 'Pacific/Honolulu',
  London: 'Europe/London',
  Dublin: 'Europe/Dublin',
  Lisbon: 'Europe/Lisbon',
  Paris: 'Europe/Paris',
  Berlin: 'Europe/Berlin',
  Amsterdam: 'Europe/Amsterdam',
  Madrid: 'Europe/Madrid',
  Rome: 'Europe/Rome',
  Zurich: 'Europe/Zurich',
  Stockholm: 'Europe/Stockholm',
  Athens: 'Europe/Athens',
  Moscow: 'Europe/Moscow',
  Istanbul: 'Europe/Istanbul',
  'Abu Dhabi': 'Asia/Muscat',
  Mumbai: 'Asia/Kolkata',
  'New Delhi': 'Asia/Kolkata',
  Singapore: 'Asia/Singapore',
  'Hong Kong': 'Asia/Hong_Kong',
  Beijing: 'Asia/Shanghai',
  Tokyo: 'Asia/Tokyo',
  Seoul: 'Asia/Seoul',
  Sydney: 'Australia/Sydney',
  Melbourne: 'Australia/Melbourne',
  Brisbane: 'Australia/Brisbane',
  Auckland: 'Pacific/Auckland',
  Brasilia: 'America/Sao_Paulo',
  'Buenos Aires': 'America/Argentina/Buenos_Aires',
  'Mexico City': 'America/Mexico_City',
  Bogota: 'America/Bogota',
  Lima: 'America/Lima',
  Santiago: 'America/Santiago',
  Johannesburg: 'Africa/Johannesburg',
  Cairo: 'Africa/Cairo',
  Nairobi: 'Africa/Nairobi',
};

/** The IANA zone for a friendly or IANA name, or undefined when it names no zone. */
export function resolveTimeZone(name: string): string | undefined {
  const friendly = FRIENDLY_TIME_ZONES[name];
  if (friendly) return friendly;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name;
  } catch {
    return undefined;
  }
}
