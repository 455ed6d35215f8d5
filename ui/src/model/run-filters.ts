import type { RunQuery } from '../api/endpoints';
import { RUN_RESULTS, RUN_STATUSES, type RunMode, type RunResult, type RunStatus } from '../api/types';

/**
 * The Runs page's filters, kept in the hash (`#/runs?result=Error&from=2026-12-01`) so a filtered view
 * can be linked to (the workflow list links its failure counts) and survives a reload.
 */
export interface RunFilters {
  workflowId?: number;
  status?: RunStatus;
  result?: RunResult;
  mode?: RunMode;
  /** Local dates (`YYYY-MM-DD`), both inclusive. */
  from?: string;
  to?: string;
  /** Text in the run's inputs. */
  input?: string;
  /** From 1. */
  page?: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Reads the filters from a hash query; anything malformed is left out rather than sent to the API. */
export function parseRunFilters(query: URLSearchParams): RunFilters {
  const filters: RunFilters = {};
  const workflow = query.get('workflow');
  if (workflow && /^\d{1,15}$/.test(workflow)) filters.workflowId = Number(workflow);
  const status = query.get('status');
  if (status && (RUN_STATUSES as readonly string[]).includes(status)) filters.status = status as RunStatus;
  const result = query.get('result');
  if (result && (RUN_RESULTS as readonly string[]).includes(result)) filters.result = result as RunResult;
  const mode = query.get('mode');
  if (mode === 'standard' || mode === 'sync') filters.mode = mode;
  const from = query.get('from');
  if (from && DATE.test(from)) filters.from = from;
  const to = query.get('to');
  if (to && DATE.test(to)) filters.to = to;
  const input = query.get('input');
  if (input) filters.input = input.slice(0, 200);
  const page = Number(query.get('page'));
  if (Number.isInteger(page) && page > 1) filters.page = page;
  return filters;
}

/** The hash of the Runs page with these filters. */
export function runsHref(filters: RunFilters = {}): string {
  const query = new URLSearchParams();
  if (filters.workflowId !== undefined) query.set('workflow', String(filters.workflowId));
  if (filters.status) query.set('status', filters.status);
  if (filters.result) query.set('result', filters.result);
  if (filters.mode) query.set('mode', filters.mode);
  if (filters.from) query.set('from', filters.from);
  if (filters.to) query.set('to', filters.to);
  if (filters.input) query.set('input', filters.input);
  if (filters.page && filters.page > 1) query.set('page', String(filters.page));
  const text = query.toString();
  return text ? `#/runs?${text}` : '#/runs';
}

/** Midnight at the start of a local date, as an ISO time; `dayOffset` days later. */
function localMidnight(date: string, dayOffset = 0): string {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(year ?? 1970, (month ?? 1) - 1, (day ?? 1) + dayOffset).toISOString();
}

/** The API query: local dates become times, `to` including its whole day. */
export function runQueryOf(filters: RunFilters, pageLength: number): RunQuery {
  return {
    workflowId: filters.workflowId,
    status: filters.status,
    result: filters.result,
    mode: filters.mode,
    createdAfter: filters.from ? localMidnight(filters.from) : undefined,
    createdBefore: filters.to ? localMidnight(filters.to, 1) : undefined,
    input: filters.input,
    page: filters.page ?? 1,
    pageLength,
  };
}

/** A local date `YYYY-MM-DD` for `time`. */
export function localDate(time: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}`;
}
