import type { RouteOptions } from 'fastify';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { httpRequest, type JsonBody } from './helpers/http.js';
import { must, setupWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { responseFormatterWorkflow } from './helpers/workflows.js';

/**
 * issue 4 "Described API": `/openapi.json` is OpenAPI 3.1, generated from the routes' schemas; every
 * route the server registers is in it; `/docs` is a readable reference.
 *
 * No OpenAPI 3.1 meta-schema ships in an installed package, so the document is checked structurally:
 * the fields 3.1 requires, every `$ref` resolving, path templates matching their parameters, and every
 * schema in it compiling as JSON Schema 2020-12 (the dialect of OpenAPI 3.1) with ajv. Real answers are
 * then validated against the documented response schemas.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

let weir: TestWeir;
const routes: RouteOptions[] = [];
let doc: JsonBody;

beforeAll(async () => {
  weir = await startTestWeir({}, { onRoute: (route) => routes.push(route), hasBackgroundTimers: false });
  const response = await httpRequest(`${weir.url}/openapi.json`);
  expect(response.status, response.text).toBe(200);
  doc = response.body;
});

afterAll(async () => {
  await weir?.close();
});

/** `/workflows/:id/run` → `/workflows/{id}/run`. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z_]+)/g, '{$1}');
}

function methodsOf(route: RouteOptions): string[] {
  return (Array.isArray(route.method) ? route.method : [route.method]).map((m) => String(m).toLowerCase());
}

function isHidden(route: RouteOptions): boolean {
  return (route.schema as { hide?: boolean } | undefined)?.hide === true;
}

/** Resolves a local JSON pointer (`#/components/schemas/X`) in the document. */
function resolvePointer(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function collectRefs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, found);
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else collectRefs(value, found);
    }
  }
  return found;
}

function operations(): Array<{ path: string; method: string; operation: JsonBody }> {
  return Object.entries(doc.paths as Record<string, JsonBody>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, operation: item[method] })),
  );
}

/** An ajv (JSON Schema 2020-12) that knows the document, so `#/components/...` refs resolve. */
function documentAjv() {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'openapi.json', components: doc.components }, 'openapi.json');
  return ajv;
}

function withDocumentRefs(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, '"$ref":"openapi.json#/'));
}

describe('/openapi.json', () => {
  it('is an OpenAPI 3.1 document with the required fields', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('Weir');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(15);
    expect(doc.components.schemas.ErrorEnvelope).toBeDefined();
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiToken', 'basicAuth', 'oauth2']);
    for (const { path, method, operation } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(Object.keys(operation.responses ?? {}).length, where).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(operation.responses as Record<string, JsonBody>)) {
        expect(status, where).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        expect(typeof response.description === 'string' || typeof response.$ref === 'string', where).toBe(true);
      }
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = (operation.parameters ?? [])
        .filter((p: JsonBody) => p.in === 'path')
        .map((p: JsonBody) => {
          expect(p.required, `${where} ${p.name}`).toBe(true);
          return p.name;
        })
        .sort();
      expect(declared, where).toEqual(templated);
    }
  });

  it('has every $ref resolving inside the document', () => {
    const refs = collectRefs(doc);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(resolvePointer(ref), ref).toBeDefined();
  });

  it('has every schema compiling as JSON Schema 2020-12', () => {
    const ajv = documentAjv();
    let compiled = 0;
    for (const { path, method, operation } of operations()) {
      const schemas: unknown[] = [
        ...(operation.parameters ?? []).map((p: JsonBody) => p.schema),
        ...Object.values(operation.requestBody?.content ?? {}).map((c: JsonBody) => c.schema),
        ...Object.values(operation.responses ?? {}).flatMap((r: JsonBody) =>
          Object.values(r.content ?? {}).map((c: JsonBody) => c.schema),
        ),
      ].filter((schema) => schema !== undefined);
      for (const schema of schemas) {
        expect(() => ajv.compile(withDocumentRefs(schema) as object), `${method} ${path}`).not.toThrow();
        compiled += 1;
      }
    }
    expect(compiled).toBeGreaterThan(50);
  });

  it('describes every route the server registers; what it leaves out is only 405 answers, HEAD, the UI and /docs', () => {
    const documented = new Set(operations().map(({ path, method }) => `${method} ${path}`));
    const leftOut: string[] = [];
    for (const route of routes) {
      for (const method of methodsOf(route)) {
        const key = `${method} ${openApiPath(route.url)}`;
        const isAutoHead = method === 'head';
        const isMethodNotAllowed = (route.config as { isMethodNotAllowed?: boolean } | undefined)?.isMethodNotAllowed;
        const isNotApi = /^\/($|assets\/|docs(\/|$))/.test(route.url);
        if (isAutoHead || isMethodNotAllowed || isNotApi) {
          expect(documented.has(key), `${key} should not be documented`).toBe(false);
          leftOut.push(key);
          continue;
        }
        expect(isHidden(route), `${key} is hidden`).toBe(false);
        expect(documented.has(key), `${key} is missing from /openapi.json`).toBe(true);
      }
    }
    // The operations, by name.
    for (const key of [
      'post /oauth/token',
      'post /api/v1/workflows/{id}/run',
      'get /api/v1/workflows/{id}/sync',
      'get /workflows',
      'post /workflows/import',
      'patch /workflows/{id}',
      'get /workflows/{id}/export',
      'post /workflows/{id}/versions/import',
      'get /workflows/{id}/versions',
      'delete /workflows/versions/{id}',
      'get /workflows/workflow_runs/{id}',
      'put /workflows/workflow_runs/{id}/stop',
      'get /workflows/metrics.json',
      'get /openapi.json',
    ]) {
      expect(documented.has(key), key).toBe(true);
    }
    expect(leftOut.length).toBeGreaterThan(0);
  });

  it('documents the errors of every API operation with the error envelope', () => {
    for (const { path, method, operation } of operations()) {
      // Liveness has no error answer: it answers while the process does.
      if (path === '/openapi.json' || path === '/health/live') continue;
      const errors = Object.keys(operation.responses).filter((status) => /^[45]/.test(status));
      expect(errors.length, `${method} ${path}`).toBeGreaterThan(0);
    }
    const del = doc.paths['/workflows/versions/{id}'].delete;
    expect(Object.keys(del.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '404']));
    expect(JSON.stringify(del.responses['403'])).toContain('#/components/schemas/ErrorEnvelope');
  });

  it('answers as it documents (workflow, versions, export, usage, errors)', async () => {
    const ajv = documentAjv();
    const check = (path: string, method: string, status: number, body: unknown): void => {
      const schema = doc.paths[path][method].responses[String(status)].content['application/json'].schema;
      const validate = ajv.compile(withDocumentRefs(schema) as object);
      expect(validate(body), `${method} ${path} ${status}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };
    const workflow = await setupWorkflow(weir, responseFormatterWorkflow({ template: '{"ok": true}' }));
    check('/workflows/{id}', 'get', 200, must(await weir.api('GET', `/workflows/${workflow.id}`), 200, 'get'));
    check('/workflows', 'get', 200, must(await weir.api('GET', '/workflows'), 200, 'list'));
    check(
      '/workflows/{id}/versions',
      'get',
      200,
      must(await weir.api('GET', `/workflows/${workflow.id}/versions`), 200, 'versions'),
    );
    check(
      '/workflows/{id}/export',
      'get',
      200,
      must(await weir.api('GET', `/workflows/${workflow.id}/export`), 200, 'export'),
    );
    const run = must(await workflow.run(), 200, 'run');
    check('/api/v1/workflows/{id}/run', 'post', 200, run);
    check(
      '/workflows/workflow_runs/{id}',
      'get',
      200,
      must(await weir.api('GET', `/workflows/workflow_runs/${run.id}`), 200, 'run'),
    );
    const today = new Date().toISOString().slice(0, 10);
    check(
      '/workflows/metrics.json',
      'get',
      200,
      must(
        await weir.api('GET', `/workflows/metrics.json?startDate=${today}&endDate=${today}&metrics=taskCount`),
        200,
        'usage',
      ),
    );
    const missing = await weir.api('GET', '/workflows/999999999');
    expectErrorEnvelope(missing, 404);
    check('/workflows/{id}', 'get', 404, missing.body);
    const unauthorized = await weir.api('GET', '/workflows', undefined, { token: null });
    check('/workflows', 'get', 401, unauthorized.body);
  });
});

describe('/docs', () => {
  it('serves a readable API reference page', async () => {
    const page = await httpRequest(`${weir.url}/docs`);
    const html =
      page.status === 302 || page.status === 301 ? await httpRequest(`${weir.url}${page.headers.location}`) : page;
    expect(html.status, html.text.slice(0, 200)).toBe(200);
    expect(String(html.headers['content-type'])).toMatch(/^text\/html/);
    expect(html.text).toMatch(/swagger/i);
    expect(typeof html.headers['weir-request-id']).toBe('string');
  });
});

describe('request tracing headers', () => {
  it('every kind of answer carries Weir-Request-Id; Zuora-Track-Id is echoed up to 64 characters', async () => {
    const trackId = 't'.repeat(64);
    const answers = await Promise.all([
      weir.api('GET', '/openapi.json', undefined, { headers: { 'Zuora-Track-Id': trackId } }),
      weir.api('PUT', '/workflows/import', {}, { headers: { 'Zuora-Track-Id': trackId } }),
      weir.api('GET', '/workflows/metrics.json?startDate=nope', undefined, { headers: { 'Zuora-Track-Id': trackId } }),
      weir.api('DELETE', '/workflows/versions/999999999', undefined, { headers: { 'Zuora-Track-Id': trackId } }),
      httpRequest(`${weir.url}/health`, { headers: { 'Zuora-Track-Id': trackId } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 405, 400, 404, 200]);
    const ids = new Set<string>();
    for (const answer of answers) {
      expect(answer.headers['weir-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      ids.add(String(answer.headers['weir-request-id']));
      expect(answer.headers['zuora-track-id']).toBe(trackId);
    }
    expect(ids.size).toBe(answers.length);
    const tooLong = await weir.api('GET', '/workflows', undefined, { headers: { 'Zuora-Track-Id': 'x'.repeat(65) } });
    expect(tooLong.status).toBe(200);
    expect(tooLong.headers['zuora-track-id']).toBeUndefined();
    expect(typeof tooLong.headers['weir-request-id']).toBe('string');
  });
});
