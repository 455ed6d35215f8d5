import { describe, expect, it } from 'vitest';
import { calloutExchange, MASK, maskUrl } from './callout-exchange';

const base = { action_type: 'Callout', parameters: { method: 'post', validation: {} } };

describe('calloutExchange', () => {
  it('reads the request and the response from the output Data and the log, masking secrets', () => {
    const exchange = calloutExchange({
      ...base,
      log: 'POST http://127.0.0.1:9/orders (try 1)\nretry 1 of 1 at …\nPOST http://127.0.0.1:9/orders (try 2)',
      data_out: {
        Callout: {
          URL: 'http://127.0.0.1:9/orders?api_key=abc&page=2',
          RequestBody: { id: 7 },
          ResponseBody: { message: 'down' },
          ResponseCode: 503,
          RequestHeaders: {
            authorization: '[redacted]',
            'x-api-key': 'k-123',
            'idempotency-key': 'run-1-task-2',
            'content-type': 'application/json',
          },
          ResponseHeaders: { 'content-type': ['application/json'], 'set-cookie': ['a=1', 'b=2'] },
        },
      },
    });
    expect(exchange).toEqual({
      method: 'POST',
      url: 'http://127.0.0.1:9/orders?api_key=masked&page=2',
      requestHeaders: [
        { name: 'authorization', value: MASK, isMasked: true },
        { name: 'x-api-key', value: MASK, isMasked: true },
        { name: 'idempotency-key', value: 'run-1-task-2', isMasked: false },
        { name: 'content-type', value: 'application/json', isMasked: false },
      ],
      requestBody: { id: 7 },
      responseCode: 503,
      responseHeaders: [
        { name: 'content-type', value: 'application/json', isMasked: false },
        { name: 'set-cookie', value: MASK, isMasked: true },
      ],
      responseBody: { message: 'down' },
      tries: 2,
    });
  });

  it('takes the last record of a list at the payload location', () => {
    const exchange = calloutExchange({
      ...base,
      parameters: { method: 'GET', validation: { payload_location: 'Orders' } },
      data_out: {
        Orders: [
          { URL: 'http://a/1', ResponseCode: 200 },
          { URL: 'http://a/2', ResponseCode: 404 },
        ],
      },
    });
    expect(exchange?.url).toBe('http://a/2');
    expect(exchange?.responseCode).toBe(404);
    expect(exchange?.method).toBe('GET');
  });

  it('still shows what was sent when no answer came', () => {
    const exchange = calloutExchange({ ...base, log: 'POST http://127.0.0.1:1/down (try 1)', data_out: null });
    expect(exchange).toMatchObject({ method: 'POST', url: 'http://127.0.0.1:1/down', responseCode: null, tries: 1 });
  });

  it('is undefined for other task types and for a callout that sent nothing', () => {
    expect(calloutExchange({ action_type: 'If', parameters: {}, data_out: { Callout: {} } })).toBeUndefined();
    expect(calloutExchange({ ...base, data_out: {}, log: 'not sent: no token' })).toBeUndefined();
  });

  it('masks a password in the URL', () => {
    expect(maskUrl('https://user:hunter2@example.test/x?token=t&q=1')).toBe(
      'https://user:masked@example.test/x?token=masked&q=1',
    );
  });
});
