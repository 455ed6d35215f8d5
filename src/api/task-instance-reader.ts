import { initialData } from '../engine/run-data.js';
import { NotFoundError } from '../model/errors.js';
import type { TaskInstanceRecord } from '../model/records.js';
import type { ApiContext } from './api-context.js';
import { taskInstanceObject } from './task-presenter.js';

/** Reads task instances for answers: one by id (404 when none), and the `Task` object shown for one. */
export function taskInstanceReader(context: Pick<ApiContext, 'store' | 'engine'>) {
  const { store, engine } = context;
  const present = async (instance: TaskInstanceRecord) => {
    const version = await engine.versions.get(instance.versionId);
    let dataIn = instance.dataIn;
    if (dataIn === null) {
      const owner = await store.reads.getRun(instance.runId);
      dataIn = owner ? initialData(owner) : null;
    }
    return taskInstanceObject(instance, version?.tasks.get(instance.taskId)?.definition, dataIn);
  };
  const instanceOf = async (id: number): Promise<TaskInstanceRecord> => {
    const instance = await store.reads.getTaskInstance(id);
    if (!instance) throw new NotFoundError(`Task ${id} does not exist.`);
    return instance;
  };
  return { present, instanceOf };
}
