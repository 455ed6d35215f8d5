import type {
  ClientRecord,
  SealedCredentials,
  VersionRecord,
  VersionSettings,
  WorkflowRecord,
} from '../../model/records.js';
import type { WorkflowDocument } from '../../model/workflow-document.js';
import type { CatalogStore } from '../store.js';
import type { NewWorkflow, PageRequest, WorkflowFilter, WorkflowPatch } from '../store-inputs.js';
import type {
  NewWorkflowVersion,
  ScheduleRecord,
  VersionCreation,
  VersionDeletion,
  VersionEdit,
  VersionEditResult,
} from '../store-versions-schedules.js';
import type { IdAllocator } from './id-allocator.js';
import type { ScheduleQueries } from './schedule-queries.js';
import type { VersionQueries } from './version-queries.js';
import type { WorkflowQueries } from './workflow-queries.js';
import type { WriteBatcher } from './write-batcher.js';

/** The management catalog on SQLite: reads run at once, writes through the group commit. */
export class SqliteCatalog implements CatalogStore {
  constructor(
    private readonly writer: WriteBatcher,
    private readonly ids: IdAllocator,
    private readonly workflows: WorkflowQueries,
    private readonly versions: VersionQueries,
    private readonly schedules: ScheduleQueries,
  ) {}

  allocateObjectIds(count: number): Promise<number[]> {
    return this.writer.run(() => Array.from({ length: count }, () => this.ids.next('object')));
  }

  allocateTaskIds(count: number): Promise<number[]> {
    return this.writer.run(() => Array.from({ length: count }, () => this.ids.next('task')));
  }

  createWorkflow(input: NewWorkflow): Promise<{ workflow: WorkflowRecord; version: VersionRecord }> {
    return this.writer.run(() => this.workflows.createWorkflow(input));
  }

  async getWorkflow(id: number): Promise<WorkflowRecord | undefined> {
    return this.workflows.getWorkflow(id);
  }

  async listWorkflows(filter: WorkflowFilter, page: PageRequest): Promise<WorkflowRecord[]> {
    return this.workflows.listWorkflows(filter, page);
  }

  updateWorkflow(id: number, patch: WorkflowPatch, now: number): Promise<WorkflowRecord | undefined> {
    return this.writer.run(() => this.workflows.updateWorkflow(id, patch, now));
  }

  setCredentials(id: number, credentials: SealedCredentials, now: number): Promise<WorkflowRecord | undefined> {
    return this.writer.run(() => this.workflows.setCredentials(id, credentials, now));
  }

  deleteWorkflow(id: number, now: number): Promise<boolean> {
    return this.writer.run(() => this.workflows.deleteWorkflow(id, now));
  }

  async getVersion(id: number): Promise<VersionRecord | undefined> {
    return this.workflows.getVersion(id);
  }

  async listVersions(workflowId: number): Promise<VersionRecord[]> {
    return this.workflows.listVersions(workflowId);
  }

  async getCurrentVersion(workflowId: number): Promise<VersionRecord | undefined> {
    return this.workflows.getCurrentVersion(workflowId);
  }

  updateVersionSettings(
    id: number,
    settings: VersionSettings,
    document: WorkflowDocument,
    now: number,
  ): Promise<VersionRecord | undefined> {
    return this.writer.run(() => this.workflows.updateVersionSettings(id, settings, document, now));
  }

  createVersion(input: NewWorkflowVersion): Promise<VersionCreation> {
    return this.writer.run(() => this.versions.createVersion(input));
  }

  deleteVersion(id: number, now: number): Promise<VersionDeletion> {
    return this.writer.run(() => this.versions.deleteVersion(id, now));
  }

  editVersion(input: VersionEdit): Promise<VersionEditResult> {
    return this.writer.run(() => this.versions.editVersion(input));
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return this.schedules.listSchedules();
  }

  createClient(client: ClientRecord): Promise<void> {
    return this.writer.run(() => this.workflows.createClient(client));
  }

  upsertClient(client: ClientRecord): Promise<void> {
    return this.writer.run(() => this.workflows.upsertClient(client));
  }

  async getClient(clientId: string): Promise<ClientRecord | undefined> {
    return this.workflows.getClient(clientId);
  }

  async listClients(): Promise<ClientRecord[]> {
    return this.workflows.listClients();
  }

  revokeClient(clientId: string, now: number): Promise<boolean> {
    return this.writer.run(() => this.workflows.revokeClient(clientId, now));
  }

  async countClients(): Promise<number> {
    return this.workflows.countClients();
  }
}
