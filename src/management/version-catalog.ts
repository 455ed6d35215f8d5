import type { VersionCache } from '../engine/version-cache.js';
import { ConflictError, ForbiddenError, InvalidRequestError, NotFoundError } from '../model/errors.js';
import type { VersionRecord } from '../model/records.js';
import { isGreaterThanAll, parseVersionNumber } from '../model/version-number.js';
import type { Store } from '../store/store.js';
import { remapIds } from './document-ids.js';
import { validateWorkflowDocument } from './document-validation.js';
import { settingsOf, withSettings } from './version-settings.js';
import { rejectScheduleProblems, type WorkflowCatalog } from './workflow-catalog.js';

export interface VersionCatalogOptions {
  store: Store;
  versions: VersionCache;
  catalog: WorkflowCatalog;
  now: () => number;
}

/** The reference's answer to deleting the active version (403). */
export const ACTIVE_VERSION_DELETE_TITLE = 'Cannot delete the active version of a workflow.';
export const ACTIVE_VERSION_EDIT_TITLE =
  'The active version of a workflow cannot be edited: import a new version, or activate another one first.';

/**
 * A workflow's versions: import a new one, delete one, edit an inactive one. The active version is
 * never edited or deleted; the store enforces both in SQL too.
 */
export class VersionCatalog {
  constructor(private readonly options: VersionCatalogOptions) {}

  /**
   * Imports a workflow file as a new version of workflow `workflowId`. `version` (required) must be a
   * version number greater than every version the workflow has. Throws 400/404/409.
   */
  async importVersion(
    workflowId: number,
    body: unknown,
    request: { version: string | undefined; activate: boolean },
  ): Promise<VersionRecord> {
    const { store, catalog, now } = this.options;
    if (request.version === undefined || request.version === '') {
      throw new InvalidRequestError('The version query parameter is required, e.g. version=0.0.2.', 'version');
    }
    const number = parseVersionNumber(request.version);
    if (!number) {
      throw new InvalidRequestError(
        `The input of version '${request.version}' is invalid: use numbers separated by dots, e.g. 0.0.2.`,
        'version',
      );
    }
    await catalog.getWorkflow(workflowId);
    const existing = await store.catalog.listVersions(workflowId);
    // Masked secrets (as exports show them) keep the values of the version this one follows.
    const document = validateWorkflowDocument(body, existing.at(-1)?.document);
    if (
      !isGreaterThanAll(
        number,
        existing.map((v) => v.version),
      )
    ) {
      throw new InvalidRequestError(
        `Version ${request.version} must be greater than every existing version of this workflow ` +
          `(${existing.map((v) => v.version).join(', ')}).`,
        'version',
      );
    }
    const [versionId] = await store.catalog.allocateObjectIds(1);
    if (versionId === undefined) throw new Error('id allocation returned too few ids');
    const taskIds = await store.catalog.allocateTaskIds(document.tasks.length);
    const stored = remapIds(document, versionId, taskIds);
    const settings = settingsOf(stored.workflow);
    rejectScheduleProblems(settings, stored);
    const name = stored.workflow.name;
    const description = stored.workflow.description ?? '';
    const created = await store.catalog.createVersion({
      workflowId,
      version: {
        id: versionId,
        version: request.version,
        name,
        description,
        settings,
        document: withSettings({ ...stored, workflow: { ...stored.workflow, version: request.version } }, settings),
      },
      expectedLatestVersionId: existing.length === 0 ? null : Math.max(...existing.map((v) => v.id)),
      activate: request.activate,
      now: now(),
    });
    catalog.forget(workflowId);
    switch (created.kind) {
      case 'created':
        return created.version;
      case 'missing':
        throw new NotFoundError(`Workflow ${workflowId} does not exist.`);
      case 'taken':
        throw new InvalidRequestError(
          `Version ${request.version} was used by a deleted version of this workflow; choose a greater one.`,
          'version',
        );
      case 'stale':
        throw new ConflictError('Another version of this workflow was imported at the same time; try again.');
    }
  }

  /** Deletes a version that is not the active one (403) and not the workflow's only one (403). */
  async deleteVersion(versionId: number): Promise<void> {
    const deleted = await this.options.store.catalog.deleteVersion(versionId, this.options.now());
    switch (deleted.kind) {
      case 'deleted':
        this.options.catalog.forget(deleted.version.workflowId);
        return;
      case 'active':
        throw new ForbiddenError(ACTIVE_VERSION_DELETE_TITLE);
      case 'only-version':
        throw new ForbiddenError('Cannot delete the only version of a workflow; delete the workflow instead.');
      case 'missing':
        throw new NotFoundError(`Workflow version ${versionId} does not exist.`);
    }
  }

  /**
   * Replaces an inactive version's graph and settings with a workflow file (ids are remapped; the
   * version string stays). The active version is refused with 403: runs and triggers rely on it.
   */
  async editVersion(versionId: number, body: unknown): Promise<VersionRecord> {
    const { store, now } = this.options;
    const current = await store.catalog.getVersion(versionId);
    if (!current) throw new NotFoundError(`Workflow version ${versionId} does not exist.`);
    const workflow = await this.options.catalog.getWorkflow(current.workflowId);
    if (workflow.activeVersionId === versionId) throw new ForbiddenError(ACTIVE_VERSION_EDIT_TITLE);
    const document = validateWorkflowDocument(body);
    const taskIds = await store.catalog.allocateTaskIds(document.tasks.length);
    const stored = remapIds(document, versionId, taskIds);
    const settings = settingsOf(stored.workflow);
    rejectScheduleProblems(settings, stored);
    const edited = await store.catalog.editVersion({
      versionId,
      settings,
      document: withSettings({ ...stored, workflow: { ...stored.workflow, version: current.version } }, settings),
      now: now(),
    });
    this.options.catalog.forget(current.workflowId);
    if (edited.kind === 'active') throw new ForbiddenError(ACTIVE_VERSION_EDIT_TITLE);
    if (edited.kind === 'missing') throw new NotFoundError(`Workflow version ${versionId} does not exist.`);
    return edited.version;
  }
}
