/** The reference's run timestamps: `2019-09-19 18:25:33 UTC`. */
export function formatRunTime(epochMs: number | null): string | null {
  if (epochMs === null) return null;
  return `${new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** ISO 8601 with milliseconds, as the reference's workflow objects show times. */
export function formatIsoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** A duration as `HH:MM:SS` (the reference's `cpuTime`). */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}

/** `YYYY-MM-DD` and `YYYY-MM-DDTHH:MM:SS` in UTC: `Data.Workflow.ExecutionDate` / `ExecutionDateTime`. */
export function dateParts(epochMs: number): { date: string; dateTime: string } {
  const iso = new Date(epochMs).toISOString();
  return { date: iso.slice(0, 10), dateTime: iso.slice(0, 19) };
}
