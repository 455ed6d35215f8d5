import { Type, type TProperties, type TSchema } from '@sinclair/typebox';

/**
 * Schemas shared by the routes: the error envelope, ids, pagination. They validate requests (ajv) and
 * describe the API in `/openapi.json`. Query values arrive as strings; ids are checked by the handlers
 * (a malformed id names nothing: 404), so their schemas describe without constraining.
 */

/** One item of the error envelope. */
export const ErrorItem = Type.Object(
  {
    status: Type.Integer({ description: 'The HTTP status (the reference nests 406 inside one 409).' }),
    code: Type.String({ description: 'A stable code: invalid, not_found, unauthorized, insufficient_scope, ...' }),
    title: Type.String({ description: 'A sentence a person can act on.' }),
    field: Type.Optional(Type.String({ description: 'The request field at fault.' })),
  },
  { additionalProperties: false },
);

/** The error envelope every error answer uses (`$id` makes it one component of the document). */
export const ErrorEnvelope = Type.Object(
  {
    errors: Type.Array(ErrorItem, { minItems: 1 }),
    parameters: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: '406 only: the parameters received.' }),
    ),
    run: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: '408 only: the run.' })),
  },
  { $id: 'ErrorEnvelope', title: 'ErrorEnvelope', additionalProperties: false },
);

const errorRef = Type.Ref('ErrorEnvelope');

/** What each error status means, as every operation's description repeats it. */
const ERROR_MEANINGS: Readonly<Record<number, string>> = {
  400: 'The request is malformed or a value is invalid; `field` names it.',
  401: 'Credentials are missing or wrong.',
  403: 'The token lacks the scope, or the state forbids the operation.',
  404: 'The id names nothing.',
  405: 'The path does not have this method.',
  406: 'A required input is missing.',
  408: 'The responsive run did not finish in time; it goes on.',
  409: 'The id names another kind of object, or a concurrent change won.',
  413: 'The body is larger than 5 MiB.',
  415: 'The body is neither JSON nor form-encoded.',
  500: "Weir's fault; the failure is logged, the body carries no details.",
};

/** Error responses for `statuses`, each the error envelope (plus 405, 413 and 500, which any route may answer). */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const all = [...new Set([...statuses, 405, 413, 500])].sort((a, b) => a - b);
  return Object.fromEntries(
    all.map((status) => [status, Type.Unsafe({ ...errorRef, description: ERROR_MEANINGS[status] ?? 'Error.' })]),
  );
}

/** The errors of the management API's authentication. */
export const MANAGEMENT_ERRORS = [401, 403] as const;

export const IdParams = Type.Object({
  id: Type.String({ description: 'A positive integer id.', examples: ['7'] }),
});

export const PageQuery = {
  page: Type.Optional(Type.String({ description: 'Page number, from 1 (default 1).', examples: ['1'] })),
  page_length: Type.Optional(Type.String({ description: 'Items per page (default 20).', examples: ['20'] })),
};

/**
 * A list endpoint's query string: only the parameters named here, each documented; any other answers
 * 400 naming it (issue 11: no filter is silently ignored).
 */
export const ListQuery = <T extends TProperties>(properties: T) =>
  Type.Object(properties, { additionalProperties: false });

export const BooleanQuery = (description: string) =>
  Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description }));

export const Pagination = Type.Object({
  page: Type.Union([Type.Integer(), Type.Null()]),
  page_length: Type.Union([Type.Integer(), Type.Null()]),
  next_page: Type.Union([Type.String({ format: 'uri' }), Type.Null()], { description: 'The next page, or null.' }),
});

/** The management API's security: an OAuth 2.0 bearer token with the named scope. */
export const bearer = (scope: string) => [{ oauth2: [scope] }];

/** `{"success": true, "id": n}`. */
export const SuccessAnswer = Type.Object({ success: Type.Literal(true), id: Type.Integer() });

/** A free-form JSON object. */
export const AnyObject = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });
