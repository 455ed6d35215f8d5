import { LRUCache } from 'lru-cache';
import type { CatalogStore } from '../store/store.js';
import type { Notifier } from '../store/notifier.js';
import { compileVersion, type CompiledVersion } from './compiled-version.js';

/** Compiled versions kept at most; a compiled version costs a few KiB to a few MiB (large templates). */
const MAX_VERSIONS = 1000;

/**
 * Compiled versions by id, so no request or task parses a workflow twice. A version's graph never
 * changes after import; its settings may: any change to a workflow, announced by the notifier from
 * whichever node made it, drops that workflow's versions. Misses are not kept.
 */
export class VersionCache {
  private readonly versions = new LRUCache<number, CompiledVersion>({ max: MAX_VERSIONS });
  /** Counts the changes heard, so a load that raced one is not kept. */
  private generation = 0;

  constructor(
    private readonly catalog: Pick<CatalogStore, 'getVersion'>,
    notifier: Notifier,
  ) {
    notifier.subscribe((event) => {
      if (event.kind === 'catalog-changed') this.forgetWorkflow(event.workflowId);
      if (event.kind === 'resync') {
        this.generation += 1;
        this.versions.clear();
      }
    });
  }

  async get(versionId: number): Promise<CompiledVersion | undefined> {
    const cached = this.versions.get(versionId);
    if (cached) return cached;
    const generation = this.generation;
    const version = await this.catalog.getVersion(versionId);
    if (!version) return undefined;
    const compiled = compileVersion(version);
    // A change announced while it loaded may have made it stale: use it once, keep it not.
    if (generation === this.generation) this.versions.set(versionId, compiled);
    return compiled;
  }

  private forgetWorkflow(workflowId: number): void {
    this.generation += 1;
    for (const [id, version] of this.versions.entries()) {
      if (version.workflowId === workflowId) this.versions.delete(id);
    }
  }
}
