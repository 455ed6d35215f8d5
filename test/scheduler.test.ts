import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDocument } from '../src/model/workflow-document.js';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import type { JsonBody } from './helpers/http.js';
import { expectRunSucceeds, listRuns, waitForRun } from './helpers/runs.js';
import { must, type ApiClient } from './helpers/setup-workflow.js';
import { fetchToken, startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { task, start, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * issue 4 "Scheduled trigger": cron with 6 or 5 fields, friendly and IANA time zones, DST, one run per
 * (workflow, instant) even with two schedulers on one database, the skip rule and its opt-out, declared
 * defaults as inputs, `WorkflowRunUser` "Scheduler", `LastRunDate`. The clock is injected and the
 * schedulers are driven with `tick(now)`: nothing sleeps for hours.
 */

const at = (iso: string): number => Date.parse(iso);

let clock = at('2026-03-07T12:00:00Z');
let weir: TestWeir;
let target: CalloutTarget;
/** Tokens expire an hour after the injected clock says: one fresh token per clock move. */
let token = '';
const api: ApiClient = {
  get url() {
    return weir.url;
  },
  api: (method, urlPath, body, options = {}) => weir.api(method, urlPath, body, { token, ...options }),
};

async function setClock(iso: string): Promise<void> {
  clock = at(iso);
  token = await fetchToken(weir.url);
}

beforeAll(async () => {
  target = await startCalloutTarget();
  weir = await startTestWeir({}, { now: () => clock, hasBackgroundTimers: false });
  token = weir.token;
});

afterAll(async () => {
  await Promise.all([weir?.close(), target?.close()]);
});

/**
 * Start → a Callout posting what the run saw: its run user, last run date and the default of its
 * `greeting` input. Scheduled as given.
 */
function scheduledDocument(options: {
  path: string;
  interval: string;
  timezone: string;
  activeScheduledRunCheck?: boolean;
  required?: boolean;
}): WorkflowDocument {
  const report = task.callout(1, 'Report', {
    url: target.url(options.path),
    rawBody:
      '{"user": "{{ Data.Workflow.WorkflowRunUser }}", "greeting": "{{ Data.Workflow.greeting }}",' +
      ' "last": "{{ Data.Workflow.LastRunDate | default: "none" }}",' +
      ' "lastTime": "{{ Data.Workflow.LastRunDateTime | default: "none" }}"}',
  });
  // The first run has no LastRunDate: let Liquid render it as the default.
  report.parameters.strict_variables = 'false';
  const document = workflowDocument({
    name: uniqueName('scheduled'),
    tasks: [report],
    linkages: [start(1)],
    fields: [
      {
        callout_id: 'greeting',
        object_name: 'Workflow',
        field_name: 'greeting',
        datatype: 'Text',
        required: options.required ?? true,
        ...(options.required ? {} : { default: 'hello' }),
      },
    ],
  });
  return {
    ...document,
    workflow: {
      ...document.workflow,
      scheduled_trigger: true,
      interval: options.interval,
      timezone: options.timezone,
      ...(options.activeScheduledRunCheck === undefined
        ? {}
        : { active_scheduled_run_check: options.activeScheduledRunCheck }),
    },
  };
}

async function importScheduled(document: WorkflowDocument): Promise<number> {
  const imported = must(await api.api('POST', '/workflows/import?activate=true', document), 200, 'import');
  return imported.id as number;
}

async function runsOf(workflowId: number): Promise<JsonBody[]> {
  return (await listRuns(api, { workflow_id: String(workflowId) })).reverse();
}

describe('a schedule in a non-UTC zone across DST changes', () => {
  it('America/New_York spring forward: 02:30 does not exist on 2026-03-08, the run starts at 03:00 EDT', async () => {
    await setClock('2026-03-07T12:00:00Z');
    const path = '/schedule/spring';
    const id = await importScheduled(
      scheduledDocument({ path, interval: '0 30 2 * * *', timezone: 'Eastern Time (US & Canada)', required: false }),
    );
    const { scheduler } = weir.running;

    await setClock('2026-03-08T06:59:59Z');
    expect((await scheduler.tick(clock)).fired.filter((f) => f.workflowId === id)).toEqual([]);
    expect(await runsOf(id)).toEqual([]);

    await setClock('2026-03-08T07:00:00Z');
    const tick = await scheduler.tick(clock);
    expect(tick.fired.filter((f) => f.workflowId === id).map((f) => [f.scheduledAt, f.result.outcome])).toEqual([
      [at('2026-03-08T07:00:00Z'), 'started'],
    ]);
    // Again at the same instant: nothing more.
    expect((await scheduler.tick(clock)).fired.filter((f) => f.workflowId === id)).toEqual([]);
    const [first] = await runsOf(id);
    expect(first.createdAt).toBe('2026-03-08 07:00:00 UTC');
    await expectRunSucceeds(api, first.id);
    expect(target.requestsTo(path).map((r) => r.json)).toEqual([
      { user: 'Scheduler', greeting: 'hello', last: 'none', lastTime: 'none' },
    ]);

    // The next day 02:30 exists again and is EDT (UTC-4): 06:30 UTC.
    await setClock('2026-03-09T06:29:59Z');
    expect((await scheduler.tick(clock)).fired.filter((f) => f.workflowId === id)).toEqual([]);
    await setClock('2026-03-09T06:30:00Z');
    const next = await scheduler.tick(clock);
    expect(next.fired.filter((f) => f.workflowId === id).map((f) => f.result.outcome)).toEqual(['started']);
    const runs = await runsOf(id);
    expect(runs.map((r) => r.createdAt)).toEqual(['2026-03-08 07:00:00 UTC', '2026-03-09 06:30:00 UTC']);
    await expectRunSucceeds(api, runs[1].id);
    expect(target.requestsTo(path)[1]?.json).toEqual({
      user: 'Scheduler',
      greeting: 'hello',
      last: '2026-03-08',
      lastTime: '2026-03-08T07:00:00',
    });
  });

  it('America/New_York fall back: a fixed time (01:30) runs once; an hourly schedule runs on both 01:00s', async () => {
    await setClock('2026-10-31T12:00:00Z');
    const fixed = await importScheduled(
      scheduledDocument({
        path: '/schedule/fall-fixed',
        interval: '0 30 1 * * *',
        timezone: 'America/New_York',
        required: false,
      }),
    );
    // 5 fields: minute-level, seconds 0. Imported at 00:30 EDT, so it first runs at 01:00 EDT.
    await setClock('2026-11-01T04:30:00Z');
    const hourly = await importScheduled(
      scheduledDocument({
        path: '/schedule/fall-hourly',
        interval: '0 * * * *',
        timezone: 'America/New_York',
        required: false,
      }),
    );
    const { scheduler } = weir.running;
    const firedAt = async (iso: string, id: number): Promise<string[]> => {
      await setClock(iso);
      const tick = await scheduler.tick(clock);
      return tick.fired.filter((f) => f.workflowId === id).map((f) => new Date(f.scheduledAt).toISOString());
    };
    // 00:59:59 EDT: nothing yet; 01:00 EDT (05:00Z) the hourly one.
    expect(await firedAt('2026-11-01T04:59:59Z', hourly)).toEqual([]);
    expect(await firedAt('2026-11-01T05:00:00Z', hourly)).toEqual(['2026-11-01T05:00:00.000Z']);
    await expectRunSucceeds(api, (await runsOf(hourly))[0].id);
    // 01:30 EDT (05:30Z): the fixed one, once.
    expect(await firedAt('2026-11-01T05:30:00Z', fixed)).toEqual(['2026-11-01T05:30:00.000Z']);
    // 01:00 EST (06:00Z): the hourly one again, the second 01:00 of the night.
    expect(await firedAt('2026-11-01T06:00:00Z', hourly)).toEqual(['2026-11-01T06:00:00.000Z']);
    // 01:30 EST (06:30Z): the fixed one does not run twice.
    expect(await firedAt('2026-11-01T06:30:00Z', fixed)).toEqual([]);
    const tick = await scheduler.tick(clock);
    expect(tick.nextDueAt).not.toBeNull();
    expect((await runsOf(fixed)).map((r) => r.createdAt)).toEqual(['2026-11-01 05:30:00 UTC']);
    expect((await runsOf(hourly)).map((r) => r.createdAt)).toEqual([
      '2026-11-01 05:00:00 UTC',
      '2026-11-01 06:00:00 UTC',
    ]);
    // The next fixed run is 01:30 EST the next day.
    expect(await firedAt('2026-11-02T06:30:00Z', fixed)).toEqual(['2026-11-02T06:30:00.000Z']);
  });
});

describe('the skip rule', () => {
  it('skips an instant while another run is still processing; active_scheduled_run_check: false lets them overlap', async () => {
    await setClock('2026-05-01T00:00:00Z');
    target.on('/schedule/slow-checked', { delayMs: 1500 });
    target.on('/schedule/slow-unchecked', { delayMs: 1500 });
    const checked = await importScheduled(
      scheduledDocument({
        path: '/schedule/slow-checked',
        interval: '*/10 * * * * *',
        timezone: 'UTC',
        required: false,
      }),
    );
    const unchecked = await importScheduled(
      scheduledDocument({
        path: '/schedule/slow-unchecked',
        interval: '/10 * * * * *',
        timezone: 'Europe/Paris',
        activeScheduledRunCheck: false,
        required: false,
      }),
    );
    const listed = must(await api.api('GET', `/workflows/${unchecked}`), 200, 'get');
    expect(listed.active_scheduled_run_check).toBe(false);
    const { scheduler } = weir.running;
    const outcomes = async (iso: string) => {
      await setClock(iso);
      const tick = await scheduler.tick(clock);
      const of = (id: number) => tick.fired.filter((f) => f.workflowId === id).map((f) => f.result.outcome);
      return { checked: of(checked), unchecked: of(unchecked) };
    };
    expect(await outcomes('2026-05-01T00:00:10Z')).toEqual({ checked: ['started'], unchecked: ['started'] });
    await target.waitForRequests('/schedule/slow-checked', 1);
    await target.waitForRequests('/schedule/slow-unchecked', 1);
    // Both first runs are still calling out (1.5 s): the checked schedule skips, the other starts.
    expect(await outcomes('2026-05-01T00:00:20Z')).toEqual({ checked: ['skipped'], unchecked: ['started'] });
    expect(await runsOf(checked)).toHaveLength(1);
    expect(await runsOf(unchecked)).toHaveLength(2);
    for (const run of [...(await runsOf(checked)), ...(await runsOf(unchecked))]) await waitForRun(api, run.id);
    // Once the run is over, the next instant starts again.
    expect((await outcomes('2026-05-01T00:00:30Z')).checked).toEqual(['started']);
    for (const run of await runsOf(checked)) await waitForRun(api, run.id);
    for (const id of [checked, unchecked]) {
      must(await api.api('PATCH', `/workflows/${id}`, { scheduled_trigger: false }), 200, 'unschedule');
    }
  });
});

// Two servers on one SQLite data dir are refused (test/server-lock.test.ts); the store's own race (two
// schedulers recording one instant) is in the store contract suite, for every store.
describe('scheduler ticks racing', () => {
  it('start exactly one run per due instant', async () => {
    await setClock('2026-06-01T00:00:00Z');
    {
      const id = await importScheduled(
        scheduledDocument({
          path: '/schedule/race',
          interval: '*/5 * * * * *',
          timezone: 'Asia/Tokyo',
          required: false,
        }),
      );
      const started: number[] = [];
      for (let i = 1; i <= 4; i += 1) {
        await setClock(new Date(at('2026-06-01T00:00:00Z') + i * 5000).toISOString());
        const ticks = await Promise.all([
          weir.running.scheduler.tick(clock),
          weir.running.scheduler.tick(clock),
          weir.running.scheduler.tick(clock),
          weir.running.scheduler.tick(clock),
        ]);
        const outcomes = ticks.flatMap((t) => t.fired.filter((f) => f.workflowId === id).map((f) => f.result.outcome));
        expect(
          outcomes.filter((o) => o === 'started'),
          JSON.stringify(outcomes),
        ).toHaveLength(1);
        expect(outcomes.filter((o) => o !== 'started' && o !== 'duplicate')).toEqual([]);
        started.push(clock);
        for (const run of await runsOf(id)) await waitForRun(api, run.id);
      }
      const runs = await runsOf(id);
      expect(runs.map((r) => Date.parse(r.createdAt.replace(' UTC', 'Z').replace(' ', 'T')))).toEqual(started);
      must(await api.api('PATCH', `/workflows/${id}`, { scheduled_trigger: false }), 200, 'unschedule');
    }
  });
});

describe('what a scheduled workflow must be', () => {
  it('import and PATCH refuse required inputs without a default, and bad intervals or zones', async () => {
    await setClock('2026-07-01T00:00:00Z');
    const required = scheduledDocument({ path: '/x', interval: '0 0 9 * * *', timezone: 'UTC', required: true });
    expectErrorEnvelope(await api.api('POST', '/workflows/import', required), 400, {
      field: 'workflow.scheduled_trigger',
      title: /required inputs without a default: 'greeting'/,
    });
    const badInterval = scheduledDocument({ path: '/x', interval: '0 0 25 * * *', timezone: 'UTC', required: false });
    expectErrorEnvelope(await api.api('POST', '/workflows/import', badInterval), 400, { field: 'workflow.interval' });
    const badZone = scheduledDocument({ path: '/x', interval: '0 0 9 * * *', timezone: 'Atlantis', required: false });
    expectErrorEnvelope(await api.api('POST', '/workflows/import', badZone), 400, { field: 'workflow.timezone' });

    const unscheduled = { ...required, workflow: { ...required.workflow, scheduled_trigger: false } };
    const id = must(await api.api('POST', '/workflows/import?activate=true', unscheduled), 200, 'import').id;
    const patch = await api.api('PATCH', `/workflows/${id}`, { scheduled_trigger: true });
    expect(patch.status, patch.text).toBe(422);
    expect(patch.body.reasons).toEqual([
      { fieldName: 'scheduled_trigger', title: expect.stringMatching(/'greeting'/) },
    ]);
    const shorthand = await api.api('PATCH', `/workflows/${id}`, { interval: '0 /5 * /1 * *', timezone: 'Sydney' });
    expect(shorthand.status, shorthand.text).toBe(200);
    expect(shorthand.body.scheduledTrigger).toBe(false);
  });

  it('an inactive workflow is not scheduled', async () => {
    await setClock('2026-08-01T00:00:00Z');
    const document = scheduledDocument({
      path: '/schedule/inactive',
      interval: '0 * * * * *',
      timezone: 'UTC',
      required: false,
    });
    const id = must(await api.api('POST', '/workflows/import', document), 200, 'import').id as number;
    await setClock('2026-08-01T00:05:00Z');
    expect((await weir.running.scheduler.tick(clock)).fired.filter((f) => f.workflowId === id)).toEqual([]);
    must(await api.api('PATCH', `/workflows/${id}`, { status: 'Active' }), 200, 'activate');
    // It counts from its activation: the next minute, not the five it was inactive for.
    await setClock('2026-08-01T00:05:30Z');
    expect((await weir.running.scheduler.tick(clock)).fired.filter((f) => f.workflowId === id)).toEqual([]);
    await setClock('2026-08-01T00:06:00Z');
    const fired = (await weir.running.scheduler.tick(clock)).fired.filter((f) => f.workflowId === id);
    expect(fired.map((f) => [new Date(f.scheduledAt).toISOString(), f.result.outcome])).toEqual([
      ['2026-08-01T00:06:00.000Z', 'started'],
    ]);
    must(await api.api('PATCH', `/workflows/${id}`, { scheduled_trigger: false }), 200, 'unschedule');
  });
});
