import type Database from 'better-sqlite3';
import type {
  NewWorkflowVersion,
  VersionCreation,
  VersionDeletion,
  VersionEdit,
  VersionEditResult,
} from '../store-versions-schedules.js';
import { toVersion, type VersionRow } from '../rows.js';
import { insertTaskLimits } from './task-limits.js';
import { settingsParams, type WorkflowQueries } from './workflow-queries.js';

/** Adding, deleting and editing versions on SQLite. Writes run inside a batch (one transaction). */
export class VersionQueries {
  private readonly selectLatestId;
  private readonly activate;
  private readonly selectAnyVersion;
  private readonly softDelete;
  private readonly replaceDocument;

  private readonly selectSameVersion;

  constructor(
    private readonly db: Database.Database,
    private readonly workflows: WorkflowQueries,
  ) {
    this.selectSameVersion = db.prepare('SELECT 1 FROM versions WHERE workflow_id = ? AND version = ?');
    this.selectLatestId = db.prepare(
      'SELECT max(id) AS latest FROM versions WHERE workflow_id = ? AND deleted_at IS NULL',
    );
    this.activate = db.prepare(`
      UPDATE workflows SET active_version_id = ?, status = 'Active', updated_at = ?
      WHERE id = ? AND deleted_at IS NULL`);
    this.selectAnyVersion = db.prepare(`
      SELECT versions.*, workflows.active_version_id AS workflow_active_version_id,
             (SELECT count(*) FROM versions other
              WHERE other.workflow_id = versions.workflow_id AND other.deleted_at IS NULL) AS live_versions
      FROM versions JOIN workflows ON workflows.id = versions.workflow_id
      WHERE versions.id = ? AND versions.deleted_at IS NULL AND workflows.deleted_at IS NULL`);
    // Guarded in SQL too: never the active version, never the last one left.
    this.softDelete = db.prepare(`
      UPDATE versions SET deleted_at = @now, updated_at = @now
      WHERE id = @id AND deleted_at IS NULL
        AND id NOT IN (SELECT active_version_id FROM workflows WHERE active_version_id IS NOT NULL)
        AND (SELECT count(*) FROM versions other
             WHERE other.workflow_id = versions.workflow_id AND other.deleted_at IS NULL) > 1`);
    this.replaceDocument = db.prepare(`
      UPDATE versions SET callout_trigger = @calloutTrigger, sync_trigger = @syncTrigger,
        ondemand_trigger = @ondemandTrigger, scheduled_trigger = @scheduledTrigger, interval = @interval,
        timezone = @timezone, priority = @priority, delete_ttl = @deleteTtl,
        concurrent_run_limit = @concurrentRunLimit, active_scheduled_run_check = @activeScheduledRunCheck,
        document = @document, updated_at = @now
      WHERE id = @id AND deleted_at IS NULL
        AND id NOT IN (SELECT active_version_id FROM workflows WHERE active_version_id IS NOT NULL)`);
  }

  createVersion(input: NewWorkflowVersion): VersionCreation {
    if (!this.workflows.getWorkflow(input.workflowId)) return { kind: 'missing' };
    const { latest } = this.selectLatestId.get(input.workflowId) as { latest: number | null };
    if (latest !== input.expectedLatestVersionId) return { kind: 'stale' };
    if (this.selectSameVersion.get(input.workflowId, input.version.version)) return { kind: 'taken' };
    this.workflows.insertVersionRow(input.workflowId, input.version, input.now);
    if (input.activate) this.activate.run(input.version.id, input.now, input.workflowId);
    const version = this.workflows.getVersion(input.version.id);
    if (!version) throw new Error(`version ${input.version.id} vanished inside its own transaction`);
    return { kind: 'created', version };
  }

  deleteVersion(id: number, now: number): VersionDeletion {
    const row = this.selectAnyVersion.get(id) as
      (VersionRow & { workflow_active_version_id: number | null; live_versions: number }) | undefined;
    if (!row) return { kind: 'missing' };
    if (this.softDelete.run({ id, now }).changes === 1) return { kind: 'deleted', version: toVersion(row) };
    if (row.workflow_active_version_id === id) return { kind: 'active' };
    return row.live_versions <= 1 ? { kind: 'only-version' } : { kind: 'missing' };
  }

  editVersion(edit: VersionEdit): VersionEditResult {
    const changes = this.replaceDocument.run({
      id: edit.versionId,
      ...settingsParams(edit.settings),
      document: JSON.stringify(edit.document),
      now: edit.now,
    }).changes;
    if (changes === 0) return this.selectAnyVersion.get(edit.versionId) ? { kind: 'active' } : { kind: 'missing' };
    const version = this.workflows.getVersion(edit.versionId);
    if (!version) throw new Error(`version ${edit.versionId} vanished inside its own transaction`);
    insertTaskLimits(this.db, edit.versionId, edit.document);
    return { kind: 'edited', version };
  }
}
