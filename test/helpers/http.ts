import http from 'node:http';

/**
 * A parsed JSON body. Tests read deep, server-shaped values out of it and assert them, so it is
 * deliberately untyped here; every read is followed by an exact assertion.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = any;

/** What a request answered. Header names are lower case (node:http). */
export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The raw body text. */
  text: string;
  /** `text` parsed as JSON, or `undefined` when it is empty or not JSON. */
  body: JsonBody;
}

export interface HttpRequestOptions {
  /** Default GET. */
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Default 30 s: the request is destroyed and the promise rejects after it. */
  timeoutMs?: number;
  /** Aborting it destroys the request (a client that disconnects). */
  signal?: AbortSignal;
}

/**
 * One HTTP request over a fresh connection (`agent: false`): no keep-alive socket survives a server
 * that the crash test kills, and every request in the suite is independent of the one before.
 * Rejects only when no complete response arrived (connection refused, reset, timeout, abort).
 */
export function httpRequest(url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const { method = 'GET', headers = {}, body, timeoutMs = 30_000, signal } = options;
  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error): void => {
      if (!settled) {
        settled = true;
        reject(error);
      }
    };
    const requestHeaders: Record<string, string> = { ...headers };
    if (body !== undefined && !Object.keys(requestHeaders).some((h) => h.toLowerCase() === 'content-length')) {
      requestHeaders['Content-Length'] = String(Buffer.byteLength(body));
    }
    const request = http.request(url, { method, headers: requestHeaders, agent: false, signal }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.on('close', () => {
        if (!response.complete) fail(new Error(`${method} ${url}: the response was cut off`));
      });
      response.on('end', () => {
        if (settled) return;
        settled = true;
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, body: parseJson(text) });
      });
    });
    // After a complete response, a write error (the server answered early, e.g. 413, and closed) is not ours.
    request.on('error', (error) => fail(new Error(`${method} ${url}: ${error.message}`)));
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    if (body !== undefined) request.write(body);
    request.end();
  });
}

function parseJson(text: string): JsonBody {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as JsonBody;
  } catch {
    return undefined;
  }
}

/** `Authorization: Basic ...` for a user and password. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** A URL with a query string built from `query` (values as given, repeated keys not needed here). */
export function withQuery(url: string, query: Record<string, string> | undefined): string {
  if (!query || Object.keys(query).length === 0) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams(query).toString()}`;
}
