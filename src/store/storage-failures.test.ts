import { describe, expect, it } from 'vitest';
import { classifyStorageFailure } from './storage-failures.js';

function withCode(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe('classifyStorageFailure', () => {
  it('knows SQLite, PostgreSQL and errno failures by their codes', () => {
    expect(classifyStorageFailure(withCode('database or disk is full', { code: 'SQLITE_FULL' }))?.kind).toBe('full');
    expect(classifyStorageFailure(withCode('locked', { code: 'SQLITE_BUSY_SNAPSHOT' }))?.kind).toBe('busy');
    expect(classifyStorageFailure(withCode('ro', { code: 'SQLITE_READONLY_DBMOVED' }))?.kind).toBe('read_only');
    expect(classifyStorageFailure(withCode('terminating connection', { code: '57P01' }))?.kind).toBe('unreachable');
    expect(classifyStorageFailure(withCode('could not extend file', { code: '53100' }))?.kind).toBe('full');
    expect(classifyStorageFailure(withCode('read only', { code: '25006' }))?.kind).toBe('read_only');
    expect(classifyStorageFailure(withCode('connect', { code: 'ECONNREFUSED', syscall: 'connect' }))?.kind).toBe(
      'unreachable',
    );
    expect(classifyStorageFailure(new Error('Connection terminated unexpectedly'))?.kind).toBe('unreachable');
    expect(classifyStorageFailure(withCode('no space', { code: 'ENOSPC', syscall: 'write' }))?.kind).toBe('full');
  });

  it('is nothing for bugs, constraints and a client that hung up', () => {
    expect(classifyStorageFailure(withCode('UNIQUE constraint failed', { code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBe(
      undefined,
    );
    expect(classifyStorageFailure(withCode('duplicate key', { code: '23505' }))).toBe(undefined);
    expect(classifyStorageFailure(withCode('aborted', { code: 'ECONNRESET' }))).toBe(undefined);
    expect(classifyStorageFailure(new TypeError('x is undefined'))).toBe(undefined);
    expect(classifyStorageFailure('SQLITE_FULL')).toBe(undefined);
  });
});
