import { NotFoundError } from '../model/errors.js';
import type { TaskInstanceView } from '../model/records.js';
import type { ApiContext } from './api-context.js';
import { taskInstanceObject } from './task-presenter.js';

/** Reads task instances for answers: one by id (404 when none), and the `Task` object shown for one. */
export function taskInstanceReader(context: Pick<ApiContext, 'store' | 'engine'>) {
  const { store, engine } = context;
  // The read model rebuilds each instance's Data (a first task's: the run's initial Data).
  const present = async (instance: TaskInstanceView) => {
    const version = await engine.versions.get(instance.versionId);
    return taskInstanceObject(instance, version?.tasks.get(instance.taskId)?.definition);
  };
  const instanceOf = async (id: number): Promise<TaskInstanceView> => {
    const instance = await store.reads.getTaskInstance(id);
    if (!instance) throw new NotFoundError(`Task ${id} does not exist.`);
    return instance;
  };
  return { present, instanceOf };
}
