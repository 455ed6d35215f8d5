import { describe, expect, it } from 'vitest';
import type { WorkflowSettings } from '../api/types';
import { curlCommand, shellQuote } from './curl';
import type { InputField } from './document';
import { parseApiTime } from './format';
import { exampleInputs, initialValues, toInputs } from './inputs';
import { nextRuns } from './schedule';
import { compareVersions, newVersionProblem, nextVersion } from './versions';

const field = (name: string, datatype: InputField['datatype'], extra: Partial<InputField> = {}): InputField => ({
  object_name: 'Workflow',
  field_name: name,
  datatype,
  ...extra,
});

describe('versions', () => {
  it('compares part by part, numerically', () => {
    expect(compareVersions('0.0.10', '0.0.9')).toBe(1);
    expect(compareVersions('1.0', '1.0.0')).toBe(0);
    // The server's rules: a pre-release comes before its release.
    expect(compareVersions('1.2.0-rc.1', '1.2.0')).toBe(-1);
    expect(compareVersions('1.2.0-rc.2', '1.2.0-rc.10')).toBe(-1);
    expect(compareVersions('v1.2.1', '1.2.0')).toBe(1);
    expect(newVersionProblem('1.2.0', ['1.2.0-rc.1'])).toBeUndefined();
    expect(newVersionProblem('1.2.0-rc.1', ['1.2.0'])).toBe('The new version must be greater than 1.2.0.');
    expect(newVersionProblem('one', [])).toContain('numbers separated by dots');
    expect(newVersionProblem('0.0.2', ['0.0.1', 'draft'])).toBeUndefined();
    expect(nextVersion(['0.0.1', '0.0.9', '0.0.2'])).toBe('0.0.10');
    expect(nextVersion([])).toBe('0.0.1');
  });
});

describe('run form inputs', () => {
  const fields = [
    field('name', 'Text', { required: true }),
    field('count', 'Integer', { default: '42' }),
    field('ratio', 'Decimal'),
    field('flag', 'Boolean', { default: 'true' }),
    field('payload', 'JSON'),
    field('internal', 'Text', { callout_id: 'external' }),
  ];

  it('fills defaults and sends typed values, leaving blank optional ones out', () => {
    expect(initialValues(fields)).toEqual({
      name: '',
      count: '42',
      ratio: '',
      flag: 'true',
      payload: '',
      external: '',
    });
    expect(
      toInputs(fields, { name: 'Ada', count: '7', ratio: '1.5', flag: 'false', payload: '{"a": [1]}', external: '' }),
    ).toEqual({
      ok: true,
      inputs: { name: 'Ada', count: 7, ratio: 1.5, flag: false, payload: { a: [1] } },
    });
  });

  it('names each field that is missing or does not read as its datatype', () => {
    expect(toInputs(fields, { name: '', count: '1.5', ratio: 'abc', payload: '{' })).toEqual({
      ok: false,
      errors: {
        name: 'name is required.',
        count: 'count must be a whole number.',
        ratio: 'ratio must be a number.',
        payload: 'payload must be valid JSON.',
      },
    });
  });

  it('builds an example body from defaults and placeholders', () => {
    expect(exampleInputs(fields)).toEqual({
      name: 'text',
      count: 42,
      ratio: 1.5,
      flag: true,
      payload: {},
      external: 'text',
    });
  });
});

describe('curl commands', () => {
  const settings: WorkflowSettings = {
    callout_trigger: true,
    sync_trigger: true,
    endpoints: { run: 'http://weir.test/api/v1/workflows/7/run', sync: 'http://weir.test/api/v1/workflows/7/sync' },
    api_token: 'tok',
    basic_auth: { username: 'user', password: "pa'ss" },
  };
  const options = { workflowId: 7, settings, baseUrl: 'http://weir.test', clientId: 'ci', inputs: { name: "O'Hara" } };

  it('quotes for a POSIX shell', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('writes both modes with the API token and basic auth, and standard mode over OAuth', () => {
    expect(curlCommand('sync', 'token', options)).toBe(
      "curl -s -X POST 'http://weir.test/api/v1/workflows/7/sync' \\\n  -H 'API-Token: tok' \\\n  -H 'Content-Type: application/json' \\\n  -d '{\"name\":\"O'\\''Hara\"}'",
    );
    expect(curlCommand('run', 'basic', options)).toContain(`-u 'user:pa'\\''ss'`);
    expect(curlCommand('run', 'oauth', options)).toContain(`curl -s -X POST 'http://weir.test/workflows/7/run'`);
    expect(curlCommand('run', 'oauth', options)).toContain("-d client_id='ci'");
    expect(curlCommand('sync', 'oauth', options)).toBeUndefined();
  });
});

describe('schedule preview', () => {
  it('gives the next five times of a 6-field pattern in a friendly time zone, across a DST change', () => {
    const preview = nextRuns('0 30 9 * * *', 'Eastern Time (US & Canada)', 5, new Date('2026-03-06T12:00:00Z'));
    expect(preview).toEqual({
      ok: true,
      zone: 'America/New_York',
      // 09:30 EST is 14:30Z; from Sunday 8 March (EDT) it is 13:30Z.
      times: [
        new Date('2026-03-06T14:30:00Z'),
        new Date('2026-03-07T14:30:00Z'),
        new Date('2026-03-08T13:30:00Z'),
        new Date('2026-03-09T13:30:00Z'),
        new Date('2026-03-10T13:30:00Z'),
      ],
    });
  });

  it('explains a pattern it cannot read', () => {
    expect(nextRuns('* * *', 'UTC')).toEqual({
      ok: false,
      message: 'A cron pattern has 5 fields (or 6, seconds first); this one has 3.',
    });
    expect(nextRuns('61 * * * *', 'UTC').ok).toBe(false);
    expect(nextRuns('0 9 * * *', 'Mars/Olympus')).toEqual({
      ok: false,
      message: '“Mars/Olympus” is not a time zone this browser knows.',
    });
  });
});

describe('parseApiTime', () => {
  it('reads both of the API’s time formats', () => {
    expect(parseApiTime('2019-09-19 18:25:33 UTC')?.toISOString()).toBe('2019-09-19T18:25:33.000Z');
    expect(parseApiTime('2019-09-19T12:35:43.857Z')?.toISOString()).toBe('2019-09-19T12:35:43.857Z');
    expect(parseApiTime(null)).toBeUndefined();
  });
});
