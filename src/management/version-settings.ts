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
 * Writes settings back into a document's `workflow`, so an export shows what is in force. A setting is
 * written only where it differs from what the file states (or, absent, implies), so an imported export
 * comes back out key for key (the reference's exports often omit `sync_trigger`, or write `"true"`).
 * Weir's own settings (**ext**) are written only when set or already in the file.
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
  const inFile = settingsOf(workflow);
  const keys: readonly [keyof VersionSettings, string][] = [
    ['calloutTrigger', 'callout_trigger'],
    ['syncTrigger', 'sync_trigger'],
    ['ondemandTrigger', 'ondemand_trigger'],
    ['scheduledTrigger', 'scheduled_trigger'],
    ['interval', 'interval'],
    ['timezone', 'timezone'],
    ['priority', 'priority'],
    ['deleteTtl', 'delete_ttl'],
  ];
  // Only what differs from what the file already says: `"true"` stays `"true"`, an absent key absent.
  const written = Object.fromEntries(
    keys.filter(([setting]) => settings[setting] !== inFile[setting]).map(([setting, key]) => [key, settings[setting]]),
  );
  return { ...document, workflow: { ...document.workflow, ...extensions, ...written } };
}
