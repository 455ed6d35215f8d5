/**
 * Weir's words, the reference product's words (Zuora Workflow). One concept, one name:
 *
 * - workflow (definition): the named, triggerable thing; `Active` or `Inactive`; has one active version.
 * - version (`Workflow::Setup`): a concrete graph of tasks and linkages plus trigger settings.
 * - run (`Workflow::Instance`): one execution of a version. Named `WF-<workflowId>-<8 digits>`.
 * - task: a node of a version's graph. task instance: a task's execution inside a run.
 * - linkage: a directed edge between tasks, fired by a hook (`Success`, `Failure`, `True`, ...).
 *   The entry linkage has no source and the hook `Start`.
 * - Data: the JSON payload a task instance receives (a copy of its predecessor's) and hands on.
 * - callout trigger: the per-workflow switch that enables `/api/v1/workflows/{id}/run|sync`.
 * - responsive mode (`sync_trigger`): `/sync` answers with the run's result instead of its metadata.
 */
export const TERMS = ['workflow', 'version', 'run', 'task', 'task instance', 'linkage', 'hook', 'Data'] as const;
