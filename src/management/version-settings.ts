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
  };
}

/** Writes settings back into a document's `workflow`, so an export shows what is in force. */
export function withSettings(document: WorkflowDocument, settings: VersionSettings): WorkflowDocument {
  return {
    ...document,
    workflow: {
      ...document.workflow,
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
