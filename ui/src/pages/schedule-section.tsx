import { useId, useMemo, useState, type FormEvent } from 'react';
import { patchWorkflow } from '../api/endpoints';
import type { Workflow } from '../api/types';
import { Switch } from '../components/controls';
import { ErrorBanner, Notice } from '../components/feedback';
import { formatTimeInZone } from '../model/format';
import { nextRuns, timeZoneChoices } from '../model/schedule';

/** The scheduled trigger: a cron pattern in a time zone, with the next five run times computed here. */
export function ScheduleSection({ workflow, onChanged }: { workflow: Workflow; onChanged: () => void }) {
  const [isOn, setOn] = useState(workflow.scheduledTrigger);
  const [interval, setInterval] = useState(workflow.interval ?? '0 0 9 * * MON-FRI');
  const [timezone, setTimezone] = useState(workflow.timezone ?? 'UTC');
  const [error, setError] = useState<unknown>();
  const [isSaved, setSaved] = useState(false);
  const [isBusy, setBusy] = useState(false);
  const cronId = useId();
  const zoneId = useId();
  const cronHint = useId();
  const zones = useMemo(() => timeZoneChoices(), []);
  const preview = useMemo(() => nextRuns(interval, timezone), [interval, timezone]);
  const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const isDirty =
    isOn !== workflow.scheduledTrigger ||
    (isOn && (interval !== (workflow.interval ?? '') || timezone !== (workflow.timezone ?? '')));

  const save = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      await patchWorkflow(
        workflow.id,
        isOn ? { scheduled_trigger: true, interval: interval.trim(), timezone } : { scheduled_trigger: false },
      );
      setSaved(true);
      onChanged();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="schedule-heading">
      <h2 id="schedule-heading">Schedule</h2>
      <form onSubmit={(event) => void save(event)}>
        <ErrorBanner error={error} title="The schedule was not saved." />
        {isSaved && !isDirty ? <Notice tone="success">Schedule saved.</Notice> : null}
        <Switch
          label="Scheduled trigger"
          description="Starts a run at each time the pattern gives, in the chosen time zone."
          isOn={isOn}
          onChange={(next) => {
            setOn(next);
            setSaved(false);
          }}
        />
        {isOn ? (
          <div className="grid-2">
            <div className="field">
              <label htmlFor={cronId}>Cron pattern</label>
              <input
                id={cronId}
                className="input mono"
                value={interval}
                aria-describedby={cronHint}
                spellCheck={false}
                onChange={(event) => setInterval(event.target.value)}
              />
              <p id={cronHint} className="hint">
                Six fields with seconds first (<code>0 30 9 * * MON-FRI</code>), or five (<code>30 9 * * *</code>).
              </p>
            </div>
            <div className="field">
              <label htmlFor={zoneId}>Time zone</label>
              <select
                id={zoneId}
                className="input"
                value={timezone}
                onChange={(event) => setTimezone(event.target.value)}
              >
                {!zones.includes(timezone) ? <option value={timezone}>{timezone}</option> : null}
                {zones.map((zone) => (
                  <option key={zone} value={zone}>
                    {zone}
                  </option>
                ))}
              </select>
            </div>
          </div>
        ) : null}
        {isOn ? (
          <div className="next-runs" aria-live="polite">
            <h3>Next five runs</h3>
            {preview.ok ? (
              <ol>
                {preview.times.map((time) => (
                  <li key={time.getTime()}>
                    <span className="mono">{formatTimeInZone(time, preview.zone)}</span>
                    {formatTimeInZone(time, localZone) !== formatTimeInZone(time, preview.zone) ? (
                      <span className="muted small"> · {formatTimeInZone(time, localZone)} here</span>
                    ) : null}
                  </li>
                ))}
              </ol>
            ) : (
              <p className="field-error">{preview.message}</p>
            )}
          </div>
        ) : null}
        <div className="button-row">
          <button
            type="submit"
            className="button button-primary"
            disabled={isBusy || !isDirty || (isOn && !preview.ok)}
          >
            {isBusy ? 'Saving…' : 'Save schedule'}
          </button>
        </div>
      </form>
    </section>
  );
}
