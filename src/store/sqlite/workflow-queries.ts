import type Database from 'better-sqlite3';
import type {
  ClientRecord,
  SealedCredentials,
  VersionRecord,
  VersionSettings,
  WorkflowRecord,
} from '../../model/records.js';
import type { WorkflowDocument } from '../../model/workflow-document.js';
import type { NewVersion, NewWorkflow, PageRequest, WorkflowFilter, WorkflowPatch } from '../store-inputs.js';
import { toClient, toVersion, toWorkflow, type ClientRow, type VersionRow, type WorkflowRow } from '../rows.js';
import { insertTaskLimits } from './task-limits.js';

/** Workflows, versions and OAuth clients on SQLite. Reads run directly; writes are called inside a batch. */
export class WorkflowQueries {
  private readonly insertWorkflow;
  private readonly insertVersion;
  private readonly selectWorkflow;
  private readonly selectVersion;
  private readonly selectVersions;
  private readonly selectCurrentVersion;
  private readonly updateCredentials;
  private readonly softDelete;
  private readonly updateSettings;
  private readonly insertClient;
  private readonly upsertClientStatement;
  private readonly selectClient;
  private readonly selectClients;
  private readonly revokeClientStatement;
  private readonly countClientsStatement;

  constructor(private readonly db: Database.Database) {
    this.insertWorkflow = db.prepare(`
      INSERT INTO workflows (id, name, description, status, active_version_id, api_token_sealed, basic_username,
                             basic_password_sealed, created_at, updated_at)
      VALUES (@id, @name, @description, @status, @activeVersionId, @apiTokenSealed, @basicUsername,
              @basicPasswordSealed, @now, @now)`);
    this.insertVersion = db.prepare(`
      INSERT INTO versions (id, workflow_id, version, name, description, callout_trigger, sync_trigger,
                            ondemand_trigger, scheduled_trigger, interval, timezone, priority, delete_ttl,
                            concurrent_run_limit, active_scheduled_run_check, document, created_at, updated_at)
      VALUES (@id, @workflowId, @version, @name, @description, @calloutTrigger, @syncTrigger, @ondemandTrigger,
              @scheduledTrigger, @interval, @timezone, @priority, @deleteTtl, @concurrentRunLimit,
              @activeScheduledRunCheck, @document, @now, @now)`);
    this.selectWorkflow = db.prepare('SELECT * FROM workflows WHERE id = ? AND deleted_at IS NULL');
    this.selectVersion = db.prepare(`
      SELECT versions.* FROM versions JOIN workflows ON workflows.id = versions.workflow_id
      WHERE versions.id = ? AND workflows.deleted_at IS NULL`);
    this.selectVersions = db.prepare('SELECT * FROM versions WHERE workflow_id = ? AND deleted_at IS NULL ORDER BY id');
    this.selectCurrentVersion = db.prepare(`
      SELECT versions.* FROM versions JOIN workflows ON workflows.id = versions.workflow_id
      WHERE workflows.id = ? AND workflows.deleted_at IS NULL AND versions.deleted_at IS NULL
      ORDER BY versions.id = workflows.active_version_id DESC, versions.id DESC
      LIMIT 1`);
    this.updateCredentials = db.prepare(`
      UPDATE workflows SET api_token_sealed = ?, basic_username = ?, basic_password_sealed = ?, updated_at = ?
      WHERE id = ? AND deleted_at IS NULL`);
    this.softDelete = db.prepare(
      'UPDATE workflows SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL',
    );
    this.updateSettings = db.prepare(`
      UPDATE versions SET callout_trigger = @calloutTrigger, sync_trigger = @syncTrigger,
        ondemand_trigger = @ondemandTrigger, scheduled_trigger = @scheduledTrigger, interval = @interval,
        timezone = @timezone, priority = @priority, delete_ttl = @deleteTtl,
        concurrent_run_limit = @concurrentRunLimit, active_scheduled_run_check = @activeScheduledRunCheck,
        document = @document, updated_at = @now
      WHERE id = @id`);
    this.insertClient = db.prepare(`
      INSERT INTO oauth_clients (client_id, name, secret_hash, scopes, created_at, revoked_at)
      VALUES (@clientId, @name, @secretHash, @scopes, @createdAt, NULL)`);
    this.upsertClientStatement = db.prepare(`
      INSERT INTO oauth_clients (client_id, name, secret_hash, scopes, created_at, revoked_at)
      VALUES (@clientId, @name, @secretHash, @scopes, @createdAt, NULL)
      ON CONFLICT (client_id) DO UPDATE SET secret_hash = excluded.secret_hash, scopes = excluded.scopes,
        name = excluded.name, revoked_at = NULL`);
    this.selectClient = db.prepare('SELECT * FROM oauth_clients WHERE client_id = ?');
    this.selectClients = db.prepare('SELECT * FROM oauth_clients ORDER BY created_at, client_id');
    this.revokeClientStatement = db.prepare(
      'UPDATE oauth_clients SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL',
    );
    this.countClientsStatement = db.prepare('SELECT count(*) AS n FROM oauth_clients WHERE revoked_at IS NULL');
  }

  createWorkflow(input: NewWorkflow): { workflow: WorkflowRecord; version: VersionRecord } {
    this.insertWorkflow.run({
      id: input.id,
      name: input.name,
      description: input.description,
      status: input.status,
      activeVersionId: input.activate ? input.version.id : null,
      ...input.credentials,
      now: input.now,
    });
    this.insertVersionRow(input.id, input.version, input.now);
    const workflow = this.getWorkflow(input.id);
    const version = this.getVersion(input.version.id);
    if (!workflow || !version) throw new Error('workflow vanished inside its own transaction');
    return { workflow, version };
  }

  /** Inserts a version row and its tasks' concurrent limits (inside the caller's transaction). */
  insertVersionRow(workflowId: number, version: NewVersion, now: number): void {
    this.insertVersion.run({
      id: version.id,
      workflowId,
      version: version.version,
      name: version.name,
      description: version.description,
      ...settingsParams(version.settings),
      document: JSON.stringify(version.document),
      now,
    });
    insertTaskLimits(this.db, version.id, version.document);
  }

  getWorkflow(id: number): WorkflowRecord | undefined {
    const row = this.selectWorkflow.get(id) as WorkflowRow | undefined;
    return row && toWorkflow(row);
  }

  listWorkflows(filter: WorkflowFilter, page: PageRequest): WorkflowRecord[] {
    // The filters read the current version: the active one, else the latest.
    const where: string[] = ['w.deleted_at IS NULL'];
    const params: Array<string | number> = [];
    const flags: Array<[keyof WorkflowFilter, string]> = [
      ['calloutTrigger', 'callout_trigger'],
      ['ondemandTrigger', 'ondemand_trigger'],
      ['scheduledTrigger', 'scheduled_trigger'],
    ];
    for (const [key, column] of flags) {
      const value = filter[key];
      if (typeof value === 'boolean') {
        where.push(`v.${column} = ?`);
        params.push(value ? 1 : 0);
      }
    }
    if (filter.interval !== undefined) {
      where.push('v.interval = ?');
      params.push(filter.interval);
    }
    if (filter.name !== undefined) {
      where.push("w.name LIKE ? ESCAPE '\\'");
      params.push(`%${filter.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    const sql = `
      SELECT w.* FROM workflows w
      JOIN versions v ON v.id = COALESCE(w.active_version_id,
                                         (SELECT max(id) FROM versions WHERE workflow_id = w.id AND deleted_at IS NULL))
      WHERE ${where.join(' AND ')}
      ORDER BY w.id
      LIMIT ? OFFSET ?`;
    const rows = this.db.prepare(sql).all(...params, page.limit, page.offset) as WorkflowRow[];
    return rows.map(toWorkflow);
  }

  updateWorkflow(id: number, patch: WorkflowPatch, now: number): WorkflowRecord | undefined {
    const sets: string[] = ['updated_at = ?'];
    const params: Array<string | number> = [now];
    if (patch.name !== undefined) {
      sets.push('name = ?');
      params.push(patch.name);
    }
    if (patch.description !== undefined) {
      sets.push('description = ?');
      params.push(patch.description);
    }
    if (patch.status !== undefined) {
      sets.push('status = ?');
      params.push(patch.status);
    }
    if (patch.activeVersionId !== undefined) {
      sets.push('active_version_id = ?');
      params.push(patch.activeVersionId);
    }
    this.db.prepare(`UPDATE workflows SET ${sets.join(', ')} WHERE id = ? AND deleted_at IS NULL`).run(...params, id);
    return this.getWorkflow(id);
  }

  setCredentials(id: number, credentials: SealedCredentials, now: number): WorkflowRecord | undefined {
    this.updateCredentials.run(
      credentials.apiTokenSealed,
      credentials.basicUsername,
      credentials.basicPasswordSealed,
      now,
      id,
    );
    return this.getWorkflow(id);
  }

  deleteWorkflow(id: number, now: number): boolean {
    return this.softDelete.run(now, now, id).changes === 1;
  }

  getVersion(id: number): VersionRecord | undefined {
    const row = this.selectVersion.get(id) as VersionRow | undefined;
    return row && toVersion(row);
  }

  listVersions(workflowId: number): VersionRecord[] {
    return (this.selectVersions.all(workflowId) as VersionRow[]).map(toVersion);
  }

  getCurrentVersion(workflowId: number): VersionRecord | undefined {
    const row = this.selectCurrentVersion.get(workflowId) as VersionRow | undefined;
    return row && toVersion(row);
  }

  updateVersionSettings(
    id: number,
    settings: VersionSettings,
    document: WorkflowDocument,
    now: number,
  ): VersionRecord | undefined {
    this.updateSettings.run({ id, ...settingsParams(settings), document: JSON.stringify(document), now });
    return this.getVersion(id);
  }

  createClient(client: ClientRecord): void {
    this.insertClient.run(clientParams(client));
  }

  upsertClient(client: ClientRecord): void {
    this.upsertClientStatement.run(clientParams(client));
  }

  getClient(clientId: string): ClientRecord | undefined {
    const row = this.selectClient.get(clientId) as ClientRow | undefined;
    return row && toClient(row);
  }

  listClients(): ClientRecord[] {
    return (this.selectClients.all() as ClientRow[]).map(toClient);
  }

  revokeClient(clientId: string, now: number): boolean {
    return this.revokeClientStatement.run(now, clientId).changes === 1;
  }

  countClients(): number {
    return (this.countClientsStatement.get() as { n: number }).n;
  }
}

/** A version's settings as the bound parameters of its columns (booleans as 0/1). */
export function settingsParams(settings: VersionSettings): Record<string, string | number | null> {
  return {
    calloutTrigger: settings.calloutTrigger ? 1 : 0,
    syncTrigger: settings.syncTrigger ? 1 : 0,
    ondemandTrigger: settings.ondemandTrigger ? 1 : 0,
    scheduledTrigger: settings.scheduledTrigger ? 1 : 0,
    interval: settings.interval,
    timezone: settings.timezone,
    priority: settings.priority,
    deleteTtl: settings.deleteTtl,
    concurrentRunLimit: settings.concurrentRunLimit,
    activeScheduledRunCheck: settings.activeScheduledRunCheck ? 1 : 0,
  };
}

function clientParams(client: ClientRecord): Record<string, string | number> {
  return {
    clientId: client.clientId,
    name: client.name,
    secretHash: client.secretHash,
    scopes: client.scopes.join(' '),
    createdAt: client.createdAt,
  };
}
