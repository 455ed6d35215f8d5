import { maskTaskSecrets } from '../model/callout-secrets.js';
import type { CompiledVersion } from '../engine/compiled-version.js';
import type { VersionCache } from '../engine/version-cache.js';
import { InvalidRequestError, NotFoundError, PatchValidationError } from '../model/errors.js';
import type { SealedCredentials, VersionRecord, VersionSettings, WorkflowRecord } from '../model/records.js';
import { parseVersionNumber } from '../model/version-number.js';
import type { WorkflowDocument } from '../model/workflow-document.js';
import { digest, randomSecret, type SecretBox } from '../secrets/secret-box.js';
import { LRUCache } from 'lru-cache';
import type { Notifier } from '../store/notifier.js';
import type { PageRequest, Store, WorkflowFilter } from '../store/store.js';
import { remapIds } from './document-ids.js';
import { validateWorkflowDocument } from './document-validation.js';
import { scheduleProblems } from './schedule-rules.js';
import { parseWorkflowPatch } from './workflow-patch.js';
import { settingsOf, withSettings } from './version-settings.js';

/** Plain trigger credentials, as the settings page shows them. */
export interface TriggerCredentials {
  apiToken: string;
  basicUsername: string;
  basicPassword: string;
}

/**
 * What the trigger path needs of a workflow, kept in memory so a trigger reads nothing from disk:
 * its status, its active version compiled, and digests of its credentials for constant-time checks.
 */
export interface TriggerTarget {
  workflow: WorkflowRecord;
  version: CompiledVersion | undefined;
  settings: VersionSettings | undefined;
  apiTokenDigest: Buffer;
  basicDigest: Buffer;
}

export interface CatalogOptions {
  store: Pick<Store, 'catalog'>;
  notifier: Notifier;
  versions: VersionCache;
  secrets: SecretBox;
  now: () => number;
  /**
   * Told after any change to a workflow or its versions, made on any node, and after a resync (changes
   * may have been missed): the scheduler and retention re-plan.
   */
  onChange?: () => void;
}

/** Trigger targets kept at most (about 2 KiB each, plus the compiled version the version cache holds). */
const MAX_TRIGGER_TARGETS = 10_000;

/**
 * Workflows and versions: import, read, update, delete, credentials, export. Owns the trigger-target
 * cache: bounded, never keeping a miss (a probe of an unused id must not lock out the workflow that
 * takes it later), and dropped on the notifier's `catalog-changed` from whichever node changed it.
 */
export class WorkflowCatalog {
  private readonly targets = new LRUCache<number, Promise<TriggerTarget | undefined>>({ max: MAX_TRIGGER_TARGETS });

  constructor(private readonly options: CatalogOptions) {
    options.notifier.subscribe((event) => {
      if (event.kind === 'catalog-changed') {
        this.targets.delete(event.workflowId);
        this.options.onChange?.();
      }
      if (event.kind === 'resync') {
        this.targets.clear();
        this.options.onChange?.();
      }
    });
  }

  /**
   * Imports a workflow file as a new workflow with one version: `options.version` (the import's
   * `version` query, a version number, else 400), else the file's `workflow.version`, else 0.0.1.
   */
  async importWorkflow(body: unknown, options: { activate: boolean; version?: string }): Promise<WorkflowRecord> {
    if (options.version !== undefined && !parseVersionNumber(options.version)) {
      throw new InvalidRequestError(
        `The input of version '${options.version}' is invalid: use numbers separated by dots, e.g. 0.0.2.`,
        'version',
      );
    }
    const parsed = validateWorkflowDocument(body);
    // A version given in the query is the version's number, and its file says so too.
    const document =
      options.version === undefined
        ? parsed
        : { ...parsed, workflow: { ...parsed.workflow, version: options.version } };
    const { store, now } = this.options;
    const [workflowId, versionId] = await store.catalog.allocateObjectIds(2);
    const taskIds = await store.catalog.allocateTaskIds(document.tasks.length);
    if (workflowId === undefined || versionId === undefined) throw new Error('id allocation returned too few ids');
    const stored = remapIds(document, versionId, taskIds);
    const settings = settingsOf(stored.workflow);
    rejectScheduleProblems(settings, stored);
    const { workflow } = await store.catalog.createWorkflow({
      id: workflowId,
      name: stored.workflow.name,
      description: stored.workflow.description ?? '',
      status: options.activate ? 'Active' : 'Inactive',
      credentials: this.sealCredentials(newCredentials()),
      version: {
        id: versionId,
        version: stored.workflow.version ?? '0.0.1',
        name: stored.workflow.name,
        description: stored.workflow.description ?? '',
        settings,
        document: withSettings(stored, settings),
      },
      activate: options.activate,
      now: now(),
    });
    this.forget(workflow.id);
    return workflow;
  }

  async getWorkflow(id: number): Promise<WorkflowRecord> {
    const workflow = await this.options.store.catalog.getWorkflow(id);
    if (!workflow) throw new NotFoundError(`Workflow ${id} does not exist.`);
    return workflow;
  }

  listWorkflows(filter: WorkflowFilter, page: PageRequest): Promise<WorkflowRecord[]> {
    return this.options.store.catalog.listWorkflows(filter, page);
  }

  /** The version whose settings a workflow shows: the active one, else the latest. */
  async currentVersion(workflowId: number): Promise<VersionRecord> {
    const version = await this.options.store.catalog.getCurrentVersion(workflowId);
    if (!version) throw new NotFoundError(`Workflow ${workflowId} does not exist.`);
    return version;
  }

  async listVersions(workflowId: number): Promise<VersionRecord[]> {
    await this.getWorkflow(workflowId);
    return this.options.store.catalog.listVersions(workflowId);
  }

  /** Applies a PATCH body; throws `PatchValidationError` (422) listing every bad field. */
  async updateWorkflow(id: number, body: unknown): Promise<WorkflowRecord> {
    const { store, now } = this.options;
    const workflow = await this.getWorkflow(id);
    const versions = await store.catalog.listVersions(id);
    const current = versions.find((v) => v.id === workflow.activeVersionId) ?? versions.at(-1);
    const requested = (body as { active_workflow_version_id?: unknown } | null)?.active_workflow_version_id;
    // Settings sent with an activation apply to the version being activated.
    const target = versions.find((v) => v.id === requested) ?? current;
    const patch = parseWorkflowPatch(body, versions, target);
    const at = now();
    let activeVersionId = patch.activeVersionId;
    if (patch.status === 'Active' && activeVersionId === undefined && workflow.activeVersionId === null) {
      activeVersionId = versions.at(-1)?.id;
    }
    // Whatever was written before a failure must not stay stale in any node's cache.
    try {
      if (patch.settings && target) {
        const settings = { ...target.settings, ...patch.settings };
        const problems = scheduleProblems(settings, target.document);
        if (problems.length > 0) {
          throw new PatchValidationError(problems.map((p) => ({ fieldName: p.field, title: p.title })));
        }
        await store.catalog.updateVersionSettings(target.id, settings, withSettings(target.document, settings), at);
      }
      const updated = await store.catalog.updateWorkflow(
        id,
        {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.status !== undefined ? { status: patch.status } : {}),
          ...(activeVersionId !== undefined ? { activeVersionId } : {}),
        },
        at,
      );
      if (!updated) throw new NotFoundError(`Workflow ${id} does not exist.`);
      return updated;
    } finally {
      this.forget(id);
    }
  }

  async deleteWorkflow(id: number): Promise<void> {
    if (!(await this.options.store.catalog.deleteWorkflow(id, this.options.now()))) {
      throw new NotFoundError(`Workflow ${id} does not exist.`);
    }
    this.forget(id);
  }

  /** The plain trigger credentials of a workflow. */
  async credentials(id: number): Promise<TriggerCredentials> {
    return this.openCredentials((await this.getWorkflow(id)).credentials);
  }

  /** Replaces a workflow's API token and basic credentials; the old ones stop working at once. */
  async rotateCredentials(id: number): Promise<TriggerCredentials> {
    const fresh = newCredentials();
    const updated = await this.options.store.catalog.setCredentials(
      id,
      this.sealCredentials(fresh),
      this.options.now(),
    );
    this.forget(id);
    if (!updated) throw new NotFoundError(`Workflow ${id} does not exist.`);
    return fresh;
  }

  /** The file of a version: `version` is a version string, `latest`, or absent for the active one. */
  async exportVersion(id: number, version: string | undefined): Promise<WorkflowDocument> {
    const versions = await this.listVersions(id);
    const workflow = await this.getWorkflow(id);
    let chosen: VersionRecord | undefined;
    if (version === undefined) chosen = versions.find((v) => v.id === workflow.activeVersionId) ?? versions.at(-1);
    else if (version === 'latest') chosen = versions.at(-1);
    else {
      // As the reference: a value that is no version number is a 400, a number no version has a 404.
      if (version.length > 64 || !parseVersionNumber(version)) {
        throw new InvalidRequestError(`The input of version '${version}' is invalid.`, 'version');
      }
      chosen = versions.find((v) => v.version === version);
    }
    if (!chosen) throw new NotFoundError(`Workflow version '${version ?? 'active'}' is not found.`);
    // Secrets are never read back; a new version imported from this export keeps them.
    return { ...chosen.document, tasks: chosen.document.tasks.map(maskTaskSecrets) };
  }

  /** The trigger view of a workflow, from memory after the first call. */
  triggerTarget(id: number): Promise<TriggerTarget | undefined> {
    let target = this.targets.get(id);
    if (!target) {
      const loading = this.loadTarget(id);
      target = loading;
      this.targets.set(id, loading);
      // Neither a miss nor a failed load may stick.
      const dropIfCurrent = (): void => {
        if (this.targets.get(id) === loading) this.targets.delete(id);
      };
      loading.then((found) => found === undefined && dropIfCurrent(), dropIfCurrent);
    }
    return target;
  }

  /** Tells every node (this one included) that a workflow changed: caches drop it, schedulers re-plan. */
  forget(id: number): void {
    this.options.notifier.publish({ kind: 'catalog-changed', workflowId: id });
  }

  private async loadTarget(id: number): Promise<TriggerTarget | undefined> {
    const workflow = await this.options.store.catalog.getWorkflow(id);
    if (!workflow) return undefined;
    const credentials = this.openCredentials(workflow.credentials);
    const current = await this.options.store.catalog.getCurrentVersion(id);
    const version =
      workflow.activeVersionId === null ? undefined : await this.options.versions.get(workflow.activeVersionId);
    return {
      workflow,
      version,
      settings: current?.settings,
      apiTokenDigest: digest(credentials.apiToken),
      basicDigest: digest(`${credentials.basicUsername}:${credentials.basicPassword}`),
    };
  }

  private sealCredentials(plain: TriggerCredentials): SealedCredentials {
    const { secrets } = this.options;
    return {
      apiTokenSealed: secrets.seal(plain.apiToken),
      basicUsername: plain.basicUsername,
      basicPasswordSealed: secrets.seal(plain.basicPassword),
    };
  }

  private openCredentials(sealed: SealedCredentials): TriggerCredentials {
    const { secrets } = this.options;
    return {
      apiToken: secrets.open(sealed.apiTokenSealed),
      basicUsername: sealed.basicUsername,
      basicPassword: secrets.open(sealed.basicPasswordSealed),
    };
  }
}

function newCredentials(): TriggerCredentials {
  return { apiToken: randomSecret(32), basicUsername: `weir-${randomSecret(9)}`, basicPassword: randomSecret(24) };
}

/** Throws `InvalidRequestError` (400) naming the first setting that stops the version from being scheduled. */
export function rejectScheduleProblems(settings: VersionSettings, document: WorkflowDocument): void {
  const [first, ...more] = scheduleProblems(settings, document).map((p) => ({
    field: `workflow.${p.field}`,
    title: p.title,
  }));
  if (first) throw new InvalidRequestError(first.title, first.field, more);
}
