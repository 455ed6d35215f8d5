import { SerialTicker } from './serial-ticker.js';
import { readInputs } from '../model/inputs.js';
import { parseSchedule, type Schedule } from '../model/schedule.js';
import type { Store } from '../store/store.js';
import type { ScheduleRecord, ScheduledRunResult } from '../store/store-versions-schedules.js';
import type { ScheduledRunStart } from './new-run.js';
import type { VersionCache } from './version-cache.js';

export interface SchedulerOptions {
  store: Store;
  versions: VersionCache;
  /** Starts (or skips) the run of one scheduled instant: `Engine.startScheduledRun`. */
  startScheduledRun: (request: ScheduledRunStart) => Promise<ScheduledRunResult>;
  now: () => number;
  /** False: no timers; the scheduler acts only when `tick` is called (tests drive it with their clock). */
  hasTimers: boolean;
  logError: (message: string, error: unknown) => void;
}

/** What one tick did, per scheduled instant it handled. */
export interface SchedulerTick {
  fired: Array<{ workflowId: number; scheduledAt: number; result: ScheduledRunResult }>;
  /** The next due instant of any schedule, or null. */
  nextDueAt: number | null;
}

/** The run user of scheduled runs (`Data.Workflow.WorkflowRunUser`). */
export const SCHEDULER_RUN_USER = 'Scheduler';
/** The longest timer; schedules changed by another process are seen at the latest after it. */
const MAX_SLEEP_MS = 60 * 60 * 1000;
const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;

/**
 * The scheduled trigger. Due instants come from croner's `nextRun` counted from the store's last fire
 * of each workflow (or the last change to it, for a schedule that never fired), never from croner's
 * own timers. The scheduler sleeps on one timer until the earliest due instant, then starts a run per
 * due instant through the engine; the store's unique row per (workflow, instant) makes several
 * schedulers on one database start each run exactly once. Instants missed while no scheduler ran fire
 * once (the latest of them), not one by one.
 */
export class Scheduler {
  private consecutiveErrors = 0;
  private readonly parsed = new Map<string, Schedule | Error>();

  private readonly ticker: SerialTicker<SchedulerTick>;

  constructor(private readonly options: SchedulerOptions) {
    this.ticker = new SerialTicker({
      run: (now) => this.runTick(now),
      now: options.now,
      hasTimers: options.hasTimers,
      minSleepMs: 0,
      maxSleepMs: MAX_SLEEP_MS,
    });
  }

  start(): void {
    this.ticker.start();
  }

  stop(): void {
    this.ticker.stop();
  }

  /** Schedules may have changed (a PATCH, an activation): look again now. */
  refresh(): void {
    this.ticker.refresh();
  }

  /** Fires every instant due at `now` (default the clock), then sets the timer for the next one. */
  tick(now: number = this.options.now()): Promise<SchedulerTick> {
    return this.ticker.tick(now);
  }

  private async runTick(now: number): Promise<SchedulerTick> {
    const result: SchedulerTick = { fired: [], nextDueAt: null };
    try {
      const schedules = await this.options.store.catalog.listSchedules();
      for (const schedule of schedules) {
        const parsed = this.parse(schedule);
        if (!parsed) continue;
        const from = Math.max(schedule.lastFireAt ?? Number.NEGATIVE_INFINITY, schedule.anchorAt);
        let next = parsed.nextAfter(from);
        if (next !== null && next <= now) {
          const due = parsed.latestAtOrBefore(now) ?? next;
          result.fired.push({
            workflowId: schedule.workflowId,
            scheduledAt: due,
            result: await this.fire(schedule, due),
          });
          next = parsed.nextAfter(due);
        }
        if (next !== null && (result.nextDueAt === null || next < result.nextDueAt)) result.nextDueAt = next;
      }
      this.consecutiveErrors = 0;
      this.plan(result.nextDueAt === null ? MAX_SLEEP_MS : result.nextDueAt - this.options.now());
      return result;
    } catch (error) {
      this.consecutiveErrors += 1;
      const backoff = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (this.consecutiveErrors - 1));
      this.options.logError(`scheduling failed (${this.consecutiveErrors} in a row); retrying in ${backoff} ms`, error);
      this.plan(backoff);
      throw error;
    }
  }

  private async fire(schedule: ScheduleRecord, scheduledAt: number): Promise<ScheduledRunResult> {
    const version = await this.options.versions.get(schedule.versionId);
    if (!version) throw new Error(`version ${schedule.versionId} of workflow ${schedule.workflowId} is missing`);
    // Scheduled runs get the declared defaults; import and PATCH refuse required inputs without one.
    const { inputs, problems } = readInputs(version.inputs, {});
    const skipReason =
      problems.length > 0
        ? 'The workflow has required inputs without a default; a scheduled run cannot supply them.'
        : null;
    const target = await this.options.store.catalog.getVersion(schedule.versionId);
    return this.options.startScheduledRun({
      version,
      priority: target?.settings.priority ?? 'Medium',
      inputs,
      runUser: SCHEDULER_RUN_USER,
      scheduledAt,
      isActiveRunCheckOn: schedule.activeScheduledRunCheck,
      skipReason,
    });
  }

  /** A schedule's croner reading, cached; a schedule that cannot be read is logged once and left out. */
  private parse(schedule: ScheduleRecord): Schedule | undefined {
    const key = `${schedule.interval}\u0000${schedule.timezone}`;
    let parsed = this.parsed.get(key);
    if (!parsed) {
      try {
        parsed = parseSchedule(schedule.interval, schedule.timezone);
      } catch (error) {
        parsed = error instanceof Error ? error : new Error(String(error));
        this.options.logError(`workflow ${schedule.workflowId}: its schedule cannot be read`, error);
      }
      this.parsed.set(key, parsed);
    }
    return parsed instanceof Error ? undefined : parsed;
  }

  private plan(delayMs: number): void {
    this.ticker.plan(delayMs);
  }
}
