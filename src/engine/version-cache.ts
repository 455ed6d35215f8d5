import type { Store } from '../store/store.js';
import { compileVersion, type CompiledVersion } from './compiled-version.js';

/**
 * Compiled versions by id, so no request or task parses a workflow twice. A version's graph never
 * changes after import; its settings may, and the cache is told (`forget`) when they do.
 */
export class VersionCache {
  private readonly versions = new Map<number, CompiledVersion>();

  constructor(private readonly store: Store) {}

  async get(versionId: number): Promise<CompiledVersion | undefined> {
    const cached = this.versions.get(versionId);
    if (cached) return cached;
    const version = await this.store.getVersion(versionId);
    if (!version) return undefined;
    const compiled = compileVersion(version);
    this.versions.set(versionId, compiled);
    return compiled;
  }

  forget(versionId: number): void {
    this.versions.delete(versionId);
  }
}
