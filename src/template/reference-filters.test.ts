import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
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

describe('money', () => {
  it('formats with the currency given, USD when none, as the reference templates use it', async () => {
    expect(await render('{{ Data.b | money: Data.c }}', { b: 1234.5, c: 'USD' })).toBe('$1,234.50');
    expect(await render('{{ Data.b | money: "EUR" }}', { b: 9.9 })).toBe('€9.90');
    expect(await render('{{ Data.b | money: "gbp" }}', { b: '1000' })).toBe('£1,000.00');
    expect(await render('{{ Data.b | money: "JPY" }}', { b: 1234.5 })).toBe('¥1,235');
    expect(await render('{{ Data.b | money }}', { b: -3 })).toBe('-$3.00');
    expect(await render('[{{ Data.b | money: "USD" }}]', { b: null })).toBe('[]');
    expect(await failure('{{ "abc" | money: "USD" }}')).toBe('money: "abc" is not an amount, line:1, col:1');
    expect(await failure('{{ 1 | money: "US Dollar" }}')).toBe(
      'money: "US DOLLAR" is not a currency code, line:1, col:1',
    );
  });
});

describe('array filters', () => {
  it('push, pop, shift, unshift build new arrays', async () => {
    const source =
      '{% assign a = Data.a | push: 4 | unshift: 0 %}{{ a | join: "," }}|{{ a | pop | join: "," }}|' +
      '{{ a | pop: 2 | join: "," }}|{{ a | shift | join: "," }}|{{ Data.a | join: "," }}';
    expect(await render(source, { a: [1, 2, 3] })).toBe('0,1,2,3,4|0,1,2,3|0,1,2|1,2,3,4|1,2,3');
  });

  it('group_by_exp groups by a Liquid expression', async () => {
    const rows = [
      { d: '2026-01-05', n: 1 },
      { d: '2026-02-01', n: 2 },
      { d: '2026-01-30', n: 3 },
    ];
    expect(await render('{{ Data.rows | group_by_exp: "r", "r.d | slice: 0, 7" | to_json }}', { rows })).toBe(
      JSON.stringify([
        { name: '2026-01', items: [rows[0], rows[2]], size: 2 },
        { name: '2026-02', items: [rows[1]], size: 1 },
      ]),
    );
  });
});

describe('conversions', () => {
  it('to_xml, string_escape, data_type', async () => {
    expect(await render('{{ Data.h | to_xml }}', { h: { a: 1, b: ['x', 'y<'], c: { d: null } } })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><hash><a>1</a><b>x</b><b>y&lt;</b><c><d/></c></hash>',
    );
    expect(await render('{{ Data.s | string_escape }}', { s: 'say "hi"\n\\' })).toBe('say \\"hi\\"\\n\\\\');
    expect(
      await render(
        '{{ Data.a | data_type }} {{ Data.b | get_class }} {{ Data.c | data_type }} {{ Data.d | data_type }}',
        {
          a: 's',
          b: 1.5,
          c: [1],
          d: { x: 1 },
        },
      ),
    ).toBe('String Float Array Hash');
  });

  it('regex match_first and match_all, as Ruby match and scan', async () => {
    expect(await render('{{ "INV-1 INV-22" | regex: "INV-([0-9]+)", "match_first" | to_json }}')).toBe('["INV-1","1"]');
    expect(await render('{{ "INV-1 INV-22" | regex: "INV-[0-9]+", "match_all" | to_json }}')).toBe(
      '["INV-1","INV-22"]',
    );
    expect(await render('{{ "a=1 b=2" | regex: "(\\\\w)=(\\\\d)", "match_all" | to_json }}')).toBe(
      '[["a","1"],["b","2"]]',
    );
    expect(await render('{{ "none" | regex: "[0-9]", "match_first" | to_json }}')).toBe('[]');
  });
});

describe('dates', () => {
  it('date_manip with the reference three arguments, date_between, http_date', async () => {
    expect(await render('{{ "2026-01-31" | date_manip: "+", 1, "month" }}')).toBe('2026-02-28');
    expect(await render('{{ "2026-03-08T10:00:00Z" | date_manip: "-", 2, "hour" }}')).toBe('2026-03-08T08:00:00.000Z');
    expect(await render('{{ "2026-06-01" | date_between: "2026-01-01", "2026-12-31" }}')).toBe('true');
    expect(await render('{{ "2027-06-01" | date_between: "2026-01-01", "2026-12-31" }}')).toBe('false');
    expect(await render('{{ "2026-03-08T01:00:00Z" | http_date }}')).toBe('Sun, 08 Mar 2026 01:00:00 GMT');
  });
});

describe('signing', () => {
  it('hmac, hmac_sha256_hex, hmac_sha256_sign, hmac_sha512_sign, sha256_encode64', async () => {
    const key = Buffer.from('secret').toString('base64');
    expect(await render('{{ "data" | hmac: "sha1", "k" }}')).toBe(createHmac('sha1', 'k').update('data').digest('hex'));
    expect(await render('{{ "data" | hmac_sha256_hex: "k" }}')).toBe(
      createHmac('sha256', 'k').update('data').digest('hex'),
    );
    expect(await render(`{{ "data" | hmac_sha256_sign: "${key}" }}`)).toBe(
      createHmac('sha256', 'secret').update('data').digest('base64'),
    );
    expect(await render(`{{ "data" | hmac_sha512_sign: "${key}" }}`)).toBe(
      createHmac('sha512', 'secret').update('data').digest('base64'),
    );
    expect(await render('{{ "abc" | sha256_encode64 }}')).toBe('ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
    expect(await failure('{{ "x" | hmac: "sha3", "k" }}')).toBe('hmac: unsupported digest "sha3", line:1, col:1');
  });

  it('jwt_encode and jwt_decode round trip, and a wrong key fails verification', async () => {
    const token = await render('{{ Data.p | jwt_encode: "k", "HS256" }}', { p: { sub: 'a' } });
    expect(token.split('.')).toHaveLength(3);
    expect(await render('{{ Data.t | jwt_decode: "k", true | to_json }}', { t: token })).toBe(
      '[{"sub":"a"},{"alg":"HS256","typ":"JWT"}]',
    );
    expect(await failure('{{ Data.t | jwt_decode: "other", true }}', { t: token })).toBe(
      'jwt_decode: signature verification failed, line:1, col:1',
    );
  });

  it('random and random_variable', async () => {
    expect(Number(await render('{{ "" | random: 3, 3 }}'))).toBe(3);
    expect(await render('{{ "" | random_variable: "uuid" }}')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
  });
});

describe('unknown filters', () => {
  it('are refused when the template is parsed, naming the filter', () => {
    expect(() => compileLiquid('{{ 1 | read_file: 1, "x" }}', { strictVariables: true })).toThrow(
      expect.objectContaining({ message: 'undefined filter: read_file, line:1, col:1' }) as Error,
    );
  });
});
