import type { VersionSettings } from '../model/records.js';
import { flagOr, type WorkflowDocument, type WorkflowSettings } from '../model/workflow-document.js';

/** Settings of a version as its file states them; absent switches take the reference's defaults. */
export function settingsOf(workflow: WorkflowSettings): VersionSettings {
  return {
    calloutTrigger: flagOr(workflow.callout_trigger, false),
    syncTrigger: flagOr(workflow.sync_trigger, false),
    ondemandTrigger: flagOr(workflow.ondemand_trigger, true),
    scheduledTrigger: flagOr(workflow.scheduled_trigger, false),
    interval: workflow.interval ?? null,
    timezone: workflow.timezone ?? null,
    priority: workflow.priority ?? 'Medium',
    deleteTtl: workflow.delete_ttl ?? null,
    concurrentRunLimit: workflow.concurrent_run_limit ?? null,
    activeScheduledRunCheck: flagOr(workflow.active_scheduled_run_check, true),
  };
}

/**
 * Writes settings back into a document's `workflow`, so an export shows what is in force. Weir's own
 * settings (**ext**) are written only when set or already in the file, so exports stay the reference's.
 */
export function withSettings(document: WorkflowDocument, settings: VersionSettings): WorkflowDocument {
  const workflow = document.workflow;
  const extensions = {
    ...(settings.concurrentRunLimit !== null || 'concurrent_run_limit' in workflow
      ? { concurrent_run_limit: settings.concurrentRunLimit }
      : {}),
    ...(!settings.activeScheduledRunCheck || 'active_scheduled_run_check' in workflow
      ? { active_scheduled_run_check: settings.activeScheduledRunCheck }
      : {}),
  };
  return {
    ...document,
    workflow: {
      ...document.workflow,
      ...extensions,
      callout_trigger: settings.calloutTrigger,
      sync_trigger: settings.syncTrigger,
      ondemand_trigger: settings.ondemandTrigger,
      scheduled_trigger: settings.scheduledTrigger,
      interval: settings.interval,
      timezone: settings.timezone,
      priority: settings.priority,
      delete_ttl: settings.deleteTtl,
    },
  };
}
