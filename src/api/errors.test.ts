import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SearchTimeoutError } from '../model/errors.js';
import { packagePath } from '../package-files.js';
import { storeClosed, threadFailure } from '../store/sqlite/history-reader.js';
import { toHttpError } from './errors.js';

describe('toHttpError: a search of the history that did not finish', () => {
  it('answers 503 search_timeout with Retry-After, saying how to narrow it', () => {
    const answer = toHttpError(new SearchTimeoutError('deadline', 10_000));
    expect(answer.status).toBe(503);
    expect(answer.headers).toEqual({ 'retry-after': '5' });
    expect(answer.body).toEqual({
      errors: [
        {
          status: 503,
          code: 'search_timeout',
          title:
            'Searching the run history took longer than 10 s. Narrow the search (a workflow, a status, a date range) or retry in 5 s.',
        },
      ],
    });
    const waiting = toHttpError(new SearchTimeoutError('waiting'));
    expect(waiting.status).toBe(503);
    expect(JSON.stringify(waiting.body)).toContain('Too many searches of the run history are waiting');
  });

  it('answers a failed or closed history thread as the store failing, 503, never 500', () => {
    expect(toHttpError(threadFailure('the history thread stopped')).status).toBe(503);
    expect(toHttpError(storeClosed()).status).toBe(503);
  });

  it('is listed in docs/errors.md', () => {
    expect(fs.readFileSync(packagePath('docs', 'errors.md'), 'utf8')).toContain('| `search_timeout` | 503 |');
  });
});
