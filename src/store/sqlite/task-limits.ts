import type Database from 'better-sqlite3';
import type { WorkflowDocument } from '../../model/workflow-document.js';

/** The reference's "no limit": a task's `concurrent_limit` at or above it is not a limit. */
export const NO_TASK_LIMIT = 9_999_999;

/**
 * Writes the `concurrent_limit` of each task of a version that has one into `task_limits`, where the
 * claim reads it. Called inside the transaction that writes the version; replaces earlier rows.
 */
export function insertTaskLimits(db: Database.Database, versionId: number, document: WorkflowDocument): void {
  db.prepare('DELETE FROM task_limits WHERE version_id = ?').run(versionId);
  const insert = db.prepare('INSERT INTO task_limits (task_id, version_id, concurrent_limit) VALUES (?, ?, ?)');
  for (const task of document.tasks) {
    const limit = task.concurrent_limit;
    if (typeof limit === 'number' && limit < NO_TASK_LIMIT) insert.run(Number(task.id), versionId, limit);
  }
}
