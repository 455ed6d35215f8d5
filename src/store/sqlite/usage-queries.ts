import type Database from 'better-sqlite3';

/** Task usage per UTC day, counted by a trigger on `task_instances` inserts (migration 002). */
export class UsageQueries {
  private readonly selectUsage;

  constructor(db: Database.Database) {
    this.selectUsage = db.prepare('SELECT day, task_count FROM task_usage WHERE day BETWEEN ? AND ? ORDER BY day');
  }

  taskUsage(startDay: string, endDay: string): Array<{ day: string; taskCount: number }> {
    return (this.selectUsage.all(startDay, endDay) as Array<{ day: string; task_count: number }>).map((row) => ({
      day: row.day,
      taskCount: row.task_count,
    }));
  }
}
