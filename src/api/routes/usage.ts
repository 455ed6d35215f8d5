import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../../model/errors.js';
import { Scope } from '../../model/scopes.js';
import type { ApiContext } from '../api-context.js';
import { requireScope } from '../auth/bearer.js';
import { queryString, route } from '../route-table.js';
import { bearer, errorResponses, ListQuery, MANAGEMENT_ERRORS } from '../schemas/common.js';
import { UsageAnswer } from '../schemas/workflow-schemas.js';

/** The longest range one request may ask for, in days. */
const MAX_DAYS = 366;
const DAY_MS = 24 * 60 * 60 * 1000;
const METRICS = ['taskCount'] as const;

/** `GET /workflows/metrics.json`: task instances created per UTC day. */
export function registerUsageRoutes(app: FastifyInstance, context: ApiContext): void {
  route(app, '/workflows/metrics.json', {
    GET: {
      preHandler: requireScope(context.clients, Scope.View),
      schema: {
        tags: ['Usage'],
        summary: 'Retrieve workflow task usage',
        description:
          'Task instances created per UTC day, every day from `startDate` to `endDate` (inclusive, at most ' +
          `${MAX_DAYS} days), days without tasks included with 0. The counts outlive retention.`,
        security: bearer(Scope.View),
        querystring: ListQuery({
          startDate: Type.String({ format: 'date', description: 'First day, `YYYY-MM-DD` (UTC).' }),
          endDate: Type.String({ format: 'date', description: 'Last day, `YYYY-MM-DD` (UTC).' }),
          metrics: Type.String({ enum: [...METRICS], description: 'Only `taskCount`.' }),
        }),
        response: { 200: UsageAnswer, ...errorResponses(400, ...MANAGEMENT_ERRORS) },
      },
      handler: async (request) => {
        const query = request.query as Record<string, unknown>;
        const start = readDay(query, 'startDate');
        const end = readDay(query, 'endDate');
        if (end < start) throw new InvalidRequestError('endDate must not be before startDate.', 'endDate');
        const days = Math.round((Date.parse(end) - Date.parse(start)) / DAY_MS) + 1;
        if (days > MAX_DAYS) {
          throw new InvalidRequestError(`Ask for at most ${MAX_DAYS} days at a time.`, 'endDate');
        }
        const metrics = queryString(query, 'metrics');
        if (metrics === undefined || !(METRICS as readonly string[]).includes(metrics)) {
          throw new InvalidRequestError('metrics must be taskCount.', 'metrics');
        }
        const counts = new Map(
          (await context.store.reads.taskUsage(start, end)).map((row) => [row.day, row.taskCount] as const),
        );
        return {
          metrics: Array.from({ length: days }, (_, i) => {
            const date = new Date(Date.parse(start) + i * DAY_MS).toISOString().slice(0, 10);
            return { date, values: { taskCount: counts.get(date) ?? 0 } };
          }),
        };
      },
    },
  });
}

/** A `YYYY-MM-DD` query value that names a real day. */
function readDay(query: Record<string, unknown>, name: string): string {
  const value = queryString(query, name, 10);
  if (value === undefined) throw new InvalidRequestError(`${name} is required (YYYY-MM-DD).`, name);
  const time = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) {
    throw new InvalidRequestError(`${name} must be a date as YYYY-MM-DD.`, name);
  }
  return value;
}
