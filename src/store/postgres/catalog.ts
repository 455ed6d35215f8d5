import type pg from 'pg';
import type {
  ClientRecord,
  SealedCredentials,
  VersionRecord,
  VersionSettings,
  WorkflowRecord,
} from '../../model/records.js';
import type { WorkflowDocument } from '../../model/workflow-document.js';
import { toVersion, toWorkflow, type VersionRow, type WorkflowRow } from '../rows.js';
import { NO_TASK_LIMIT } from '../sqlite/task-limits.js';
import type { CatalogStore } from '../store.js';
import type { NewVersion, NewWorkflow, PageRequest, WorkflowFilter, WorkflowPatch } from '../store-inputs.js';
import type {
  NewWorkflowVersion,
  ScheduleRecord,
  VersionCreation,
  VersionDeletion,
  VersionEdit,
  VersionEditResult,
} from '../store-versions-schedules.js';
import { PgClientQueries } from './client-queries.js';
import { inTransaction, type Sql } from './database.js';
import type { PgIdBlocks } from './id-blocks.js';

type Param = string | number | null;

const INSERT_WORKFLOW = `
  INSERT INTO workflows (id, name, description, status, active_version_id, api_token_sealed, basic_username,
                         basic_password_sealed, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`;
const INSERT_VERSION = `
  INSERT INTO versions (id, workflow_id, version, name, description, callout_trigger, sync_trigger,
                        ondemand_trigger, scheduled_trigger, interval, timezone, priority, delete_ttl,
                        concurrent_run_limit, active_scheduled_run_check, document, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)`;
const SELECT_WORKFLOW = 'SELECT * FROM workflows WHERE id = $1 AND deleted_at IS NULL';
const SELECT_VERSION = `
  SELECT versions.* FROM versions JOIN workflows ON workflows.id = versions.workflow_id
  WHERE versions.id = $1 AND workflows.deleted_at IS NULL`;
const SELECT_VERSIONS = 'SELECT * FROM versions WHERE workflow_id = $1 AND deleted_at IS NULL ORDER BY id';
// SQLite sorts the NULL of "no active version" last in DESC; PostgreSQL needs it said.
const SELECT_CURRENT_VERSION = `
  SELECT versions.* FROM versions JOIN workflows ON workflows.id = versions.workflow_id
  WHERE workflows.id = $1 AND workflows.deleted_at IS NULL AND versions.deleted_at IS NULL
  ORDER BY (versions.id = workflows.active_version_id) DESC NULLS LAST, versions.id DESC
  LIMIT 1`;
const UPDATE_CREDENTIALS = `
  UPDATE workflows SET api_token_sealed = $1, basic_username = $2, basic_password_sealed = $3, updated_at = $4
  WHERE id = $5 AND deleted_at IS NULL
  RETURNING *`;
const SOFT_DELETE_WORKFLOW =
  'UPDATE workflows SET deleted_at = $1, updated_at = $1 WHERE id = $2 AND deleted_at IS NULL';
/** Settings columns from $2 (in `settingsValues` order), the document $12, the time $13. */
const SETTINGS_SET = `
  callout_trigger = $2, sync_trigger = $3, ondemand_trigger = $4, scheduled_trigger = $5, interval = $6,
  timezone = $7, priority = $8, delete_ttl = $9, concurrent_run_limit = $10, active_scheduled_run_check = $11,
  document = $12, updated_at = $13`;
// As on SQLite: the row is updated even when its workflow is deleted, and then not returned.
const UPDATE_SETTINGS = `
  WITH updated AS (UPDATE versions SET ${SETTINGS_SET} WHERE id = $1 RETURNING *)
  SELECT updated.* FROM updated JOIN workflows ON workflows.id = updated.workflow_id
  WHERE workflows.deleted_at IS NULL`;
/** Serialises the version writes of one workflow across nodes: the compare-and-set checks run under it. */
const LOCK_WORKFLOW = 'SELECT id FROM workflows WHERE id = $1 AND deleted_at IS NULL FOR UPDATE';
const LOCK_WORKFLOW_OF_VERSION = `
  SELECT workflows.id FROM workflows JOIN versions ON versions.workflow_id = workflows.id
  WHERE versions.id = $1
  FOR UPDATE OF workflows`;
const SELECT_LATEST_VERSION_ID = 'SELECT max(id) AS latest FROM versions WHERE workflow_id = $1 AND deleted_at IS NULL';
const SELECT_SAME_VERSION = 'SELECT 1 FROM versions WHERE workflow_id = $1 AND version = $2';
const ACTIVATE_VERSION = `
  UPDATE workflows SET active_version_id = $1, status = 'Active', updated_at = $2
  WHERE id = $3 AND deleted_at IS NULL`;
const SELECT_LIVE_VERSION = `
  SELECT versions.*, workflows.active_version_id AS workflow_active_version_id,
         (SELECT count(*) FROM versions other
          WHERE other.workflow_id = versions.workflow_id AND other.deleted_at IS NULL) AS live_versions
  FROM versions JOIN workflows ON workflows.id = versions.workflow_id
  WHERE versions.id = $1 AND versions.deleted_at IS NULL AND workflows.deleted_at IS NULL`;
// Guarded in SQL too: never the active version, never the last one left.
const SOFT_DELETE_VERSION = `
  UPDATE versions SET deleted_at = $2, updated_at = $2
  WHERE id = $1 AND deleted_at IS NULL
    AND id NOT IN (SELECT active_version_id FROM workflows WHERE active_version_id IS NOT NULL)
    AND (SELECT count(*) FROM versions other
         WHERE other.workflow_id = versions.workflow_id AND other.deleted_at IS NULL) > 1`;
const REPLACE_DOCUMENT = `
  UPDATE versions SET ${SETTINGS_SET}
  WHERE id = $1 AND deleted_at IS NULL
    AND id NOT IN (SELECT active_version_id FROM workflows WHERE active_version_id IS NOT NULL)`;
const DELETE_TASK_LIMITS = 'DELETE FROM task_limits WHERE version_id = $1';
const INSERT_TASK_LIMITS = `
  INSERT INTO task_limits (task_id, version_id, concurrent_limit)
  SELECT task_id, $1, concurrent_limit FROM unnest($2::bigint[], $3::integer[]) AS t (task_id, concurrent_limit)`;
const SELECT_SCHEDULES = `
  SELECT w.id AS workflow_id, v.id AS version_id, v.interval, v.timezone, v.active_scheduled_run_check,
         GREATEST(w.updated_at, v.updated_at) AS anchor_at,
         (SELECT max(scheduled_at) FROM schedule_fires f WHERE f.workflow_id = w.id) AS last_fire_at
  FROM workflows w JOIN versions v ON v.id = w.active_version_id
  WHERE w.deleted_at IS NULL AND w.status = 'Active' AND v.scheduled_trigger = 1
    AND v.interval IS NOT NULL AND v.interval <> '' AND v.timezone IS NOT NULL AND v.timezone <> ''
  ORDER BY w.id`;
interface ScheduleRow {
  workflow_id: number;
  version_id: number;
  interval: string;
  timezone: string;
  last_fire_at: number | null;
  anchor_at: number;
  active_scheduled_run_check: number;
}

type LiveVersionRow = VersionRow & { workflow_active_version_id: number | null; live_versions: number };

/**
 * The management catalog on PostgreSQL, statement for statement the SQLite one (`sqlite/catalog.ts`).
 * Reads run on the pool; each write of several statements runs in one transaction, and the version
 * writes (create, delete, edit) hold their workflow's row lock (`FOR UPDATE`), so two nodes cannot both
 * pass a compare-and-set that SQLite's single writer makes safe by construction.
 */
export class PgCatalog implements CatalogStore {
  private readonly clients: PgClientQueries;

  constructor(
    private readonly pool: pg.Pool,
    private readonly ids: PgIdBlocks,
  ) {
    this.clients = new PgClientQueries(pool);
  }

  allocateObjectIds(count: number): Promise<number[]> {
    return this.ids.nextMany('object', count, this.pool);
  }

  allocateTaskIds(count: number): Promise<number[]> {
    return this.ids.nextMany('task', count, this.pool);
  }

  createWorkflow(input: NewWorkflow): Promise<{ workflow: WorkflowRecord; version: VersionRecord }> {
    return inTransaction(this.pool, async (client) => {
      await client.query(INSERT_WORKFLOW, [
        input.id,
        input.name,
        input.description,
        input.status,
        input.activate ? input.version.id : null,
        input.credentials.apiTokenSealed,
        input.credentials.basicUsername,
        input.credentials.basicPasswordSealed,
        input.now,
      ]);
      await insertVersionRow(client, input.id, input.version, input.now);
      const workflow = await selectWorkflow(client, input.id);
      const version = await selectVersion(client, input.version.id);
      if (!workflow || !version) throw new Error('workflow vanished inside its own transaction');
      return { workflow, version };
    });
  }

  getWorkflow(id: number): Promise<WorkflowRecord | undefined> {
    return selectWorkflow(this.pool, id);
  }

  async listWorkflows(filter: WorkflowFilter, page: PageRequest): Promise<WorkflowRecord[]> {
    // The filters read the current version: the active one, else the latest.
    const where: string[] = ['w.deleted_at IS NULL'];
    const params: Param[] = [];
    const add = (clause: (placeholder: string) => string, value: Param): void => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    const flags: Array<[keyof WorkflowFilter, string]> = [
      ['calloutTrigger', 'callout_trigger'],
      ['ondemandTrigger', 'ondemand_trigger'],
      ['scheduledTrigger', 'scheduled_trigger'],
    ];
    for (const [key, column] of flags) {
      const value = filter[key];
      if (typeof value === 'boolean') add((p) => `v.${column} = ${p}`, value ? 1 : 0);
    }
    if (filter.interval !== undefined) add((p) => `v.interval = ${p}`, filter.interval);
    if (filter.name !== undefined) {
      // ILIKE: SQLite's LIKE ignores (ASCII) case.
      add((p) => `w.name ILIKE ${p} ESCAPE '\\'`, `%${filter.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    params.push(page.limit, page.offset);
    const sql = `
      SELECT w.* FROM workflows w
      JOIN versions v ON v.id = COALESCE(w.active_version_id,
                                         (SELECT max(id) FROM versions WHERE workflow_id = w.id AND deleted_at IS NULL))
      WHERE ${where.join(' AND ')}
      ORDER BY w.id
      LIMIT $${params.length - 1} OFFSET $${params.length}`;
    return (await this.pool.query<WorkflowRow>(sql, params)).rows.map(toWorkflow);
  }

  async updateWorkflow(id: number, patch: WorkflowPatch, now: number): Promise<WorkflowRecord | undefined> {
    const params: Param[] = [now];
    const sets: string[] = ['updated_at = $1'];
    const set = (column: string, value: Param | undefined): void => {
      if (value === undefined) return;
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    set('name', patch.name);
    set('description', patch.description);
    set('status', patch.status);
    set('active_version_id', patch.activeVersionId);
    params.push(id);
    const sql = `UPDATE workflows SET ${sets.join(', ')} WHERE id = $${params.length} AND deleted_at IS NULL RETURNING *`;
    const row = (await this.pool.query<WorkflowRow>(sql, params)).rows[0];
    return row && toWorkflow(row);
  }

  async setCredentials(id: number, credentials: SealedCredentials, now: number): Promise<WorkflowRecord | undefined> {
    const result = await this.pool.query<WorkflowRow>(UPDATE_CREDENTIALS, [
      credentials.apiTokenSealed,
      credentials.basicUsername,
      credentials.basicPasswordSealed,
      now,
      id,
    ]);
    const row = result.rows[0];
    return row && toWorkflow(row);
  }

  async deleteWorkflow(id: number, now: number): Promise<boolean> {
    return (await this.pool.query(SOFT_DELETE_WORKFLOW, [now, id])).rowCount === 1;
  }

  getVersion(id: number): Promise<VersionRecord | undefined> {
    return selectVersion(this.pool, id);
  }

  async listVersions(workflowId: number): Promise<VersionRecord[]> {
    return (await this.pool.query<VersionRow>(SELECT_VERSIONS, [workflowId])).rows.map(toVersion);
  }

  async getCurrentVersion(workflowId: number): Promise<VersionRecord | undefined> {
    const row = (await this.pool.query<VersionRow>(SELECT_CURRENT_VERSION, [workflowId])).rows[0];
    return row && toVersion(row);
  }

  async updateVersionSettings(
    id: number,
    settings: VersionSettings,
    document: WorkflowDocument,
    now: number,
  ): Promise<VersionRecord | undefined> {
    const params = [id, ...settingsValues(settings), JSON.stringify(document), now];
    const row = (await this.pool.query<VersionRow>(UPDATE_SETTINGS, params)).rows[0];
    return row && toVersion(row);
  }

  createVersion(input: NewWorkflowVersion): Promise<VersionCreation> {
    return inTransaction(this.pool, async (client) => {
      if ((await client.query(LOCK_WORKFLOW, [input.workflowId])).rowCount === 0) return { kind: 'missing' };
      const latest = (await client.query<{ latest: number | null }>(SELECT_LATEST_VERSION_ID, [input.workflowId]))
        .rows[0]?.latest;
      if ((latest ?? null) !== input.expectedLatestVersionId) return { kind: 'stale' };
      const same = await client.query(SELECT_SAME_VERSION, [input.workflowId, input.version.version]);
      if (same.rowCount !== 0) return { kind: 'taken' };
      await insertVersionRow(client, input.workflowId, input.version, input.now);
      if (input.activate) await client.query(ACTIVATE_VERSION, [input.version.id, input.now, input.workflowId]);
      const version = await selectVersion(client, input.version.id);
      if (!version) throw new Error(`version ${input.version.id} vanished inside its own transaction`);
      return { kind: 'created', version };
    });
  }

  deleteVersion(id: number, now: number): Promise<VersionDeletion> {
    return inTransaction(this.pool, async (client) => {
      await client.query(LOCK_WORKFLOW_OF_VERSION, [id]);
      const row = (await client.query<LiveVersionRow>(SELECT_LIVE_VERSION, [id])).rows[0];
      if (!row) return { kind: 'missing' };
      if ((await client.query(SOFT_DELETE_VERSION, [id, now])).rowCount === 1) {
        return { kind: 'deleted', version: toVersion(row) };
      }
      if (row.workflow_active_version_id === id) return { kind: 'active' };
      return row.live_versions <= 1 ? { kind: 'only-version' } : { kind: 'missing' };
    });
  }

  editVersion(edit: VersionEdit): Promise<VersionEditResult> {
    return inTransaction(this.pool, async (client) => {
      await client.query(LOCK_WORKFLOW_OF_VERSION, [edit.versionId]);
      const params = [edit.versionId, ...settingsValues(edit.settings), JSON.stringify(edit.document), edit.now];
      if ((await client.query(REPLACE_DOCUMENT, params)).rowCount === 0) {
        const live = await client.query(SELECT_LIVE_VERSION, [edit.versionId]);
        return live.rowCount !== 0 ? { kind: 'active' } : { kind: 'missing' };
      }
      const version = await selectVersion(client, edit.versionId);
      if (!version) throw new Error(`version ${edit.versionId} vanished inside its own transaction`);
      await replaceTaskLimits(client, edit.versionId, edit.document);
      return { kind: 'edited', version };
    });
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return (await this.pool.query<ScheduleRow>(SELECT_SCHEDULES)).rows.map((row) => ({
      workflowId: row.workflow_id,
      versionId: row.version_id,
      interval: row.interval,
      timezone: row.timezone,
      lastFireAt: row.last_fire_at,
      anchorAt: row.anchor_at,
      activeScheduledRunCheck: row.active_scheduled_run_check === 1,
    }));
  }

  createClient(client: ClientRecord): Promise<void> {
    return this.clients.create(client);
  }

  upsertClient(client: ClientRecord): Promise<void> {
    return this.clients.upsert(client);
  }

  getClient(clientId: string): Promise<ClientRecord | undefined> {
    return this.clients.get(clientId);
  }

  listClients(): Promise<ClientRecord[]> {
    return this.clients.list();
  }

  revokeClient(clientId: string, now: number): Promise<boolean> {
    return this.clients.revoke(clientId, now);
  }

  countClients(): Promise<number> {
    return this.clients.count();
  }
}

async function selectWorkflow(sql: Sql, id: number): Promise<WorkflowRecord | undefined> {
  const row = (await sql.query<WorkflowRow>(SELECT_WORKFLOW, [id])).rows[0];
  return row && toWorkflow(row);
}

async function selectVersion(sql: Sql, id: number): Promise<VersionRecord | undefined> {
  const row = (await sql.query<VersionRow>(SELECT_VERSION, [id])).rows[0];
  return row && toVersion(row);
}

/** Inserts a version row and its tasks' concurrent limits (inside the caller's transaction). */
async function insertVersionRow(sql: Sql, workflowId: number, version: NewVersion, now: number): Promise<void> {
  await sql.query(INSERT_VERSION, [
    version.id,
    workflowId,
    version.version,
    version.name,
    version.description,
    ...settingsValues(version.settings),
    JSON.stringify(version.document),
    now,
  ]);
  await replaceTaskLimits(sql, version.id, version.document);
}

/**
 * Writes the `concurrent_limit` of each task of a version that has one into `task_limits`, where the
 * claim reads it, replacing earlier rows (as SQLite's `insertTaskLimits`). Inside the caller's transaction.
 */
async function replaceTaskLimits(sql: Sql, versionId: number, document: WorkflowDocument): Promise<void> {
  await sql.query(DELETE_TASK_LIMITS, [versionId]);
  const taskIds: number[] = [];
  const limits: number[] = [];
  for (const task of document.tasks) {
    const limit = task.concurrent_limit;
    if (typeof limit === 'number' && limit < NO_TASK_LIMIT) {
      taskIds.push(Number(task.id));
      limits.push(limit);
    }
  }
  if (taskIds.length > 0) await sql.query(INSERT_TASK_LIMITS, [versionId, taskIds, limits]);
}

/** A version's settings as the bound values of its columns, in `INSERT_VERSION` order (booleans as 0/1). */
function settingsValues(settings: VersionSettings): Param[] {
  return [
    settings.calloutTrigger ? 1 : 0,
    settings.syncTrigger ? 1 : 0,
    settings.ondemandTrigger ? 1 : 0,
    settings.scheduledTrigger ? 1 : 0,
    settings.interval,
    settings.timezone,
    settings.priority,
    settings.deleteTtl,
    settings.concurrentRunLimit,
    settings.activeScheduledRunCheck ? 1 : 0,
  ];
}
