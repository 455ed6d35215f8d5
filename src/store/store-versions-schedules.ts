import type { RunRecord, TaskInstanceRecord, VersionRecord, VersionSettings } from '../model/records.js';
import type { WorkflowDocument } from '../model/workflow-document.js';
import type { NewRun, NewVersion } from './store-inputs.js';

/** Types of the `Store` operations for versions, schedules, limits, retention and usage. */

export interface NewWorkflowVersion {
  workflowId: number;
  version: NewVersion;
  /** The latest (not deleted) version id the caller checked the new version against (null: none). */
  expectedLatestVersionId: number | null;
  activate: boolean;
  now: number;
}

export type VersionCreation =
  | { kind: 'created'; version: VersionRecord }
  /** Another version was added or deleted since the caller looked (its latest version id changed). */
  | { kind: 'stale' }
  /** The version string is taken (by a deleted version: live ones were checked by the caller). */
  | { kind: 'taken' }
  | { kind: 'missing' };

export type VersionDeletion =
  { kind: 'deleted'; version: VersionRecord } | { kind: 'active' } | { kind: 'only-version' } | { kind: 'missing' };

export interface VersionEdit {
  versionId: number;
  settings: VersionSettings;
  document: WorkflowDocument;
  now: number;
}

export type VersionEditResult = { kind: 'edited'; version: VersionRecord } | { kind: 'active' } | { kind: 'missing' };

/** A workflow's scheduled trigger as the store knows it. */
export interface ScheduleRecord {
  workflowId: number;
  versionId: number;
  interval: string;
  timezone: string;
  /** The latest instant handled (started or skipped), null before the first. */
  lastFireAt: number | null;
  /** The last change to the workflow or its active version: a schedule counts from here at the earliest. */
  anchorAt: number;
  activeScheduledRunCheck: boolean;
}

export interface ScheduledRunRequest {
  /** The run to create, as a standard run. */
  run: NewRun;
  scheduledAt: number;
  /** Which scheduler (node) handles the instant. */
  firedBy: string;
  /**
   * The reference's skip rule: skip when another run of the workflow is `Queued`, `Processing` or
   * `Stopping`, or one of its `Pending` task instances is due within 3 minutes.
   */
  isActiveRunCheckOn: boolean;
  /** Record the instant as skipped for this reason without checking anything (e.g. inputs missing). */
  skipReason: string | null;
}

export type ScheduledRunResult =
  | { outcome: 'started'; run: RunRecord; instances: TaskInstanceRecord[] }
  | { outcome: 'skipped'; reason: string }
  /** Another scheduler handled this instant already. */
  | { outcome: 'duplicate' };

/** One retention transaction: rows deleted, and whether more are expired. */
export interface RetentionBatch {
  runs: number;
  taskInstances: number;
  /** Items of the runs' Iterate task instances (stored once each). */
  iterationItems: number;
  scheduleFires: number;
  hasMore: boolean;
}
