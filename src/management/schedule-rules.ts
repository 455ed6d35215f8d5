import { declareInputs, InputDeclarationError } from '../model/inputs.js';
import type { VersionSettings } from '../model/records.js';
import { parseSchedule, ScheduleError } from '../model/schedule.js';
import type { WorkflowDocument } from '../model/workflow-document.js';

/** A setting at fault, named as in the file's `workflow` object. */
export interface SettingProblem {
  field: string;
  title: string;
}

/**
 * What stops a version from being scheduled: a missing or invalid `interval` or `timezone`, and
 * required inputs without a default (a scheduled run has nobody to ask for them; it gets the
 * declared defaults). Empty when the scheduled trigger is off or all is well.
 */
export function scheduleProblems(settings: VersionSettings, document: WorkflowDocument): SettingProblem[] {
  if (!settings.scheduledTrigger) return [];
  if (!settings.interval || !settings.timezone) {
    return [{ field: 'scheduled_trigger', title: 'A scheduled trigger needs a valid interval and timezone.' }];
  }
  const problems: SettingProblem[] = [];
  try {
    parseSchedule(settings.interval, settings.timezone);
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    problems.push({ field: error.field, title: error.message });
  }
  try {
    const required = declareInputs(document.workflow.parameters?.fields ?? []).filter(
      (input) => input.isRequired && input.defaultValue === undefined,
    );
    if (required.length > 0) {
      problems.push({
        field: 'scheduled_trigger',
        title:
          `A scheduled workflow cannot have required inputs without a default: ` +
          `${required.map((input) => `'${input.requestName}'`).join(', ')}. Give each a default or make it optional.`,
      });
    }
  } catch (error) {
    // A bad default is reported by the document's own validation.
    if (!(error instanceof InputDeclarationError)) throw error;
  }
  return problems;
}
