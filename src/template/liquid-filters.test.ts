import { describe, it, expect } from 'vitest';
import type { JsonValue } from '../model/records.js';
import { compileLiquid } from './liquid.js';
import { TemplateError } from './template-engine.js';

function render(source: string, data: Record<string, JsonValue> = {}): Promise<string> {
  return compileLiquid(source, { strictVariables: true }).render({ Data: data });
}

async function failure(source: string, data: Record<string, JsonValue> = {}): Promise<string> {
  const error = await render(source, data).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TemplateError);
  return (error as TemplateError).message;
}

const invoices: JsonValue = [
  { id: 'A', amount: 5, region: 'EU', customer: { tier: 'gold' } },
  { id: 'B', amount: 20, region: 'US', customer: { tier: 'silver' } },
  { id: 'C', amount: 30, region: 'EU', customer: { tier: 'gold' } },
  { id: 'D', amount: 12 },
];

describe('to_json', () => {
  it('serialises values and escapes strings', async () => {
    expect(await render('{{ Data.v | to_json }}', { v: { a: [1, 'x"y\n'], b: null, c: true } })).toBe(
      '{"a":[1,"x\\"y\\n"],"b":null,"c":true}',
    );
    expect(await render('{{ Data.s | to_json }}', { s: 'say "hi" \\ </script>' })).toBe(
      '"say \\"hi\\" \\\\ </script>"',
    );
  });

  it('renders undefined as null', async () => {
    const template = compileLiquid('{{ Data.missing | to_json }}', { strictVariables: false });
    expect(await template.render({ Data: {} })).toBe('null');
  });
});

describe('parse_json', () => {
  it('parses a string into a value', async () => {
    expect(
      await render('{% assign v = Data.s | parse_json %}{{ v.items[1].n }} {{ v.items.size }}', {
        s: '{"items":[{"n":1},{"n":2}]}',
      }),
    ).toBe('2 2');
  });

  it('fails on invalid JSON', async () => {
    expect(await failure('{{ Data.s | parse_json }}', { s: '{"a":' })).toMatch(
      /^parse_json: invalid JSON \(.+\), line:1, col:1$/,
    );
  });
});

describe('where_exp', () => {
  it('keeps the items for which the expression is truthy', async () => {
    const source =
      '{% assign big = Data.invoices | where_exp: "item", "item.amount > 10" %}{{ big | map: "id" | join: "," }}';
    expect(await render(source, { invoices })).toBe('B,C,D');
  });

  it('supports and/or, nested paths and outer variables', async () => {
    const source =
      '{% assign min = 10 %}{{ Data.invoices | where_exp: "inv", "inv.amount > min and inv.customer.tier == \'gold\'" | map: "id" | join: "," }}';
    expect(await render(source, { invoices })).toBe('C');
  });

  it('fails on an invalid variable name', async () => {
    expect(await failure('{{ Data.invoices | where_exp: "1x", "true" }}', { invoices })).toBe(
      'where_exp: invalid variable name "1x", line:1, col:1',
    );
  });
});

describe('group_by', () => {
  it('groups by a key into name/items/size like Jekyll', async () => {
    const source =
      '{% assign groups = Data.invoices | group_by: "region" %}{% for g in groups %}[{{ g.name }}:{{ g.items | map: "id" | join: "" }}:{{ g.size }}]{% endfor %}';
    expect(await render(source, { invoices })).toBe('[EU:AC:2][US:B:1][:D:1]');
  });

  it('accepts dotted paths', async () => {
    expect(
      await render('{{ Data.invoices | group_by: "customer.tier" | to_json }}', {
        invoices: [{ customer: { tier: 1 } }],
      }),
    ).toBe('[{"name":"1","items":[{"customer":{"tier":1}}],"size":1}]');
  });
});

describe('date_manip', () => {
  it('adds and subtracts units, returning ISO text', async () => {
    const d = { d: '2026-03-08T01:00:00Z' };
    expect(await render('{{ Data.d | date_manip: "+1 day" }}', d)).toBe('2026-03-09T01:00:00.000Z');
    expect(await render('{{ Data.d | date_manip: "-2 hours" }}', d)).toBe('2026-03-07T23:00:00.000Z');
    expect(await render('{{ Data.d | date_manip: "+90 seconds" }}', d)).toBe('2026-03-08T01:01:30.000Z');
    expect(await render('{{ Data.d | date_manip: "+1 week" }}', d)).toBe('2026-03-15T01:00:00.000Z');
    expect(await render('{{ Data.d | date_manip: "+1 year -1 minute" }}', d)).toBe('2027-03-08T00:59:00.000Z');
  });

  it('clamps month ends and keeps bare dates bare', async () => {
    expect(await render('{{ "2026-01-31" | date_manip: "+1 month" }}')).toBe('2026-02-28');
    expect(await render('{{ "2024-02-29" | date_manip: "+1 years" }}')).toBe('2025-02-28');
    expect(await render('{{ "2026-01-31" | date_manip: "+3 months" }}')).toBe('2026-04-30');
    expect(await render('{{ "2026-01-31" | date_manip: "+1 hour" }}')).toBe('2026-01-31T01:00:00.000Z');
  });

  it('reads zone-less date-times as UTC and epoch numbers as seconds', async () => {
    expect(await render('{{ "2026-03-08 10:00:00" | date_manip: "+1 minute" }}')).toBe('2026-03-08T10:01:00.000Z');
    expect(await render('{{ 0 | date_manip: "+1 day" }}')).toBe('1970-01-02T00:00:00.000Z');
  });

  it('fails on a bad spec or date', async () => {
    expect(await failure('{{ "2026-01-01" | date_manip: "+1 fortnight" }}')).toMatch(
      /^date_manip: unknown unit "fortnight"/,
    );
    expect(await failure('{{ "2026-01-01" | date_manip: "tomorrow" }}')).toMatch(/^date_manip: cannot read "tomorrow"/);
    expect(await failure('{{ "soon" | date_manip: "+1 day" }}')).toBe('date_manip: invalid date "soon", line:1, col:1');
  });
});

describe('date_diff', () => {
  it('returns whole units of d1 - d2', async () => {
    expect(await render('{{ "2026-03-10" | date_diff: "2026-03-01", "days" }}')).toBe('9');
    expect(await render('{{ "2026-03-01" | date_diff: "2026-03-10", "day" }}')).toBe('-9');
    expect(await render('{{ "2026-03-01T10:00:00Z" | date_diff: "2026-03-01T08:30:00Z", "hours" }}')).toBe('1');
    expect(await render('{{ "2026-03-01T10:00:00Z" | date_diff: "2026-03-01T08:30:00Z", "minutes" }}')).toBe('90');
    expect(await render('{{ "2026-03-30" | date_diff: "2026-01-31", "months" }}')).toBe('1');
    expect(await render('{{ "2026-01-31" | date_diff: "2026-03-30", "months" }}')).toBe('-1');
    expect(await render('{{ "2026-03-01" | date_diff: "2024-03-02", "years" }}')).toBe('1');
    expect(await render('{{ "2026-03-10" | date_diff: "2026-03-01" }}')).toBe('9');
  });
});

describe('in_time_zone', () => {
  it('formats local time with the offset, across a DST change', async () => {
    expect(await render('{{ "2026-03-08T06:00:00Z" | in_time_zone: "America/New_York" }}')).toBe(
      '2026-03-08T01:00:00-05:00',
    );
    expect(await render('{{ "2026-03-08T08:00:00Z" | in_time_zone: "America/New_York" }}')).toBe(
      '2026-03-08T04:00:00-04:00',
    );
  });

  it('accepts the Rails zone names', async () => {
    const at = '{{ "2026-07-01T12:00:00Z" | in_time_zone: ZONE }}';
    const expected: Record<string, string> = {
      UTC: '2026-07-01T12:00:00+00:00',
      'Eastern Time (US & Canada)': '2026-07-01T08:00:00-04:00',
      'Central Time (US & Canada)': '2026-07-01T07:00:00-05:00',
      'Mountain Time (US & Canada)': '2026-07-01T06:00:00-06:00',
      'Pacific Time (US & Canada)': '2026-07-01T05:00:00-07:00',
      London: '2026-07-01T13:00:00+01:00',
      Paris: '2026-07-01T14:00:00+02:00',
      Berlin: '2026-07-01T14:00:00+02:00',
      Tokyo: '2026-07-01T21:00:00+09:00',
      Sydney: '2026-07-01T22:00:00+10:00',
      'Asia/Kolkata': '2026-07-01T17:30:00+05:30',
    };
    for (const [zone, text] of Object.entries(expected)) {
      expect(await render(at.replace('ZONE', JSON.stringify(zone)))).toBe(text);
    }
  });

  it('fails on an unknown zone', async () => {
    expect(await failure('{{ "2026-07-01" | in_time_zone: "Mars/Olympus" }}')).toBe(
      'in_time_zone: unknown time zone "Mars/Olympus", line:1, col:1',
    );
  });
});

describe('base64_encode / base64_decode', () => {
  it('round-trips UTF-8 text', async () => {
    expect(await render('{{ "héllo wörld" | base64_encode }}')).toBe('aMOpbGxvIHfDtnJsZA==');
    expect(await render('{{ "aMOpbGxvIHfDtnJsZA==" | base64_decode }}')).toBe('héllo wörld');
    expect(await render('{{ "user:pass" | base64_encode | base64_decode }}')).toBe('user:pass');
  });

  it('rejects invalid base64', async () => {
    expect(await failure('{{ "not*base64" | base64_decode }}')).toBe(
      'base64_decode: invalid base64 input, line:1, col:1',
    );
  });
});

describe('digests', () => {
  it('md5 and sha1 give hex', async () => {
    expect(await render('{{ "abc" | md5 }}')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(await render('{{ "abc" | sha1 }}')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('sha2 defaults to SHA512 as the reference, and takes SHA256, 256, 384 and "512"', async () => {
    expect(await render('{{ "abc" | sha2 }}')).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
    expect(await render('{{ "abc" | sha2: "SHA256" }}')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(await render('{{ "abc" | sha2: 256 }}')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(await render('{{ "abc" | sha2: 384 }}')).toBe(
      'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    );
    expect(await render('{{ "abc" | sha2: "512" }}')).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
    expect(await failure('{{ "abc" | sha2: 128 }}')).toBe(
      'sha2: unsupported algorithm "128" (use SHA256, SHA384 or SHA512), line:1, col:1',
    );
  });

  it('hmac_sha256 gives hex', async () => {
    expect(await render('{{ "The quick brown fox jumps over the lazy dog" | hmac_sha256: "key" }}')).toBe(
      'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
  });
});

describe('regex', () => {
  it('returns the first capture group, else the whole match, else empty', async () => {
    expect(await render('{{ "INV-00042 due" | regex: "INV-([0-9]+)" }}')).toBe('00042');
    expect(await render('{{ "INV-00042 due" | regex: "[0-9]+" }}')).toBe('00042');
    expect(await render('[{{ "no digits" | regex: "[0-9]+" }}]')).toBe('[]');
    // Patterns from data arrive verbatim; liquidjs unescapes backslashes in string literals.
    expect(await render('{{ "INV-00042 due" | regex: Data.p }}', { p: 'INV-(\\d+)' })).toBe('00042');
    expect(await render('{{ "INV-00042 due" | regex: "INV-(\\\\d+)" }}')).toBe('00042');
    expect(await render('{{ "Hello" | regex: "h(el)", "i" }}')).toBe('el');
  });

  it('guards pattern and input sizes and reports bad patterns', async () => {
    expect(await failure('{{ "x" | regex: Data.p }}', { p: 'a'.repeat(1001) })).toBe(
      'regex: pattern longer than 1000 characters, line:1, col:1',
    );
    expect(await failure('{{ Data.s | regex: "a" }}', { s: 'a'.repeat(1024 * 1024 + 1) })).toBe(
      'regex: input longer than 1 MB, line:1, col:1',
    );
    expect(await failure('{{ "x" | regex: "(" }}')).toMatch(/^regex: invalid pattern \(.+\), line:1, col:1$/);
    expect(await failure('{{ "x" | regex: "x", "g" }}')).toBe(
      'regex: unsupported flags "g" (use i, m, s, u), line:1, col:1',
    );
  });

  it('matches in linear time: a catastrophic pattern answers at once', async () => {
    await render('{{ "ab" | regex: "(a+)+b" }}'); // loads RE2's tables, once per process
    const started = performance.now();
    // V8's backtracking RegExp takes seconds here and doubles per extra character.
    expect(await render('[{{ Data.s | regex: "(a+)+b" }}]', { s: 'a'.repeat(25) })).toBe('[]');
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('refuses backreferences and lookaround with a clear error', async () => {
    expect(await failure('{{ "aa" | regex: "(a)\\\\1" }}')).toMatch(
      /^regex: invalid pattern \(.*backreferences and lookaround are not supported\), line:1, col:1$/,
    );
    expect(await failure('{{ "ab" | regex: "a(?=b)" }}')).toMatch(/^regex: invalid pattern/);
  });
});
