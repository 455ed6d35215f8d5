import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonBody } from './http.js';

/** One request the target received. */
export interface RecordedRequest {
  method: string;
  /** The path without the query string, e.g. `/modes/standard`. */
  path: string;
  /** The query string without `?` ('' when none). */
  query: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** `body` parsed as JSON, or undefined. */
  json: JsonBody;
  /** Epoch ms when the request (headers and body) had arrived. */
  receivedAt: number;
}

/** How the target answers. */
export interface TargetReply {
  /** Default 200. */
  status?: number;
  /** A string is sent as is (text/plain unless `headers` say otherwise); anything else as JSON. Default `{"ok": true}`. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
}

/** A fixed reply, or one computed from the request and how many requests that path had before it (0-based). */
export type TargetResponder = TargetReply | ((request: RecordedRequest, index: number) => TargetReply);

/** A real HTTP server on 127.0.0.1 for callout tasks to call. */
export interface CalloutTarget {
  /** e.g. http://127.0.0.1:40123 */
  baseUrl: string;
  /** `baseUrl + path`. */
  url(path: string): string;
  /** Sets how requests to `path` (exact, without query) are answered. */
  on(path: string, responder: TargetResponder): void;
  /** Every request received, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Requests whose caller went away (the connection closed) before they were answered. */
  readonly abandoned: readonly RecordedRequest[];
  requestsTo(path: string): RecordedRequest[];
  /** Resolves with the requests to `path` once there are at least `count`; rejects after `timeoutMs`. */
  waitForRequests(path: string, count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

/** Starts a callout target on `host` (default 127.0.0.1; any 127.x.y.z works on Linux), port 0. */
export async function startCalloutTarget(host = '127.0.0.1'): Promise<CalloutTarget> {
  const requests: RecordedRequest[] = [];
  const abandoned: RecordedRequest[] = [];
  const responders = new Map<string, TargetResponder>();
  const timers = new Set<NodeJS.Timeout>();
  const waiters = new Set<() => void>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const parsed = new URL(req.url ?? '/', 'http://target.invalid');
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: parsed.pathname,
        query: parsed.search.replace(/^\?/, ''),
        headers: req.headers,
        body,
        json: parseJson(body),
        receivedAt: Date.now(),
      };
      const index = requests.filter((r) => r.path === recorded.path).length;
      requests.push(recorded);
      for (const wake of [...waiters]) wake();
      const responder = responders.get(recorded.path) ?? {};
      const reply = typeof responder === 'function' ? responder(recorded, index) : responder;
      const send = (): void => {
        const replyBody = reply.body === undefined ? { ok: true } : reply.body;
        const isText = typeof replyBody === 'string';
        res.writeHead(reply.status ?? 200, {
          'Content-Type': isText ? 'text/plain; charset=utf-8' : 'application/json',
          ...reply.headers,
        });
        res.end(isText ? replyBody : JSON.stringify(replyBody));
      };
      if (reply.delayMs && reply.delayMs > 0) {
        res.once('close', () => {
          if (!res.writableEnded) abandoned.push(recorded);
        });
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) send();
        }, reply.delayMs);
        timers.add(timer);
      } else {
        send();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://${host}:${port}`;
  const requestsTo = (path: string): RecordedRequest[] => requests.filter((r) => r.path === path);

  return {
    baseUrl,
    url: (path) => `${baseUrl}${path}`,
    on: (path, responder) => {
      responders.set(path, responder);
    },
    requests,
    abandoned,
    requestsTo,
    waitForRequests: (path, count, timeoutMs = 10_000) =>
      new Promise<RecordedRequest[]>((resolve, reject) => {
        const check = (): boolean => {
          const seen = requestsTo(path);
          if (seen.length < count) return false;
          waiters.delete(check);
          clearTimeout(deadline);
          resolve(seen);
          return true;
        };
        const deadline = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `callout target: ${requestsTo(path).length} of ${count} requests to ${path} after ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      }),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parseJson(text: string): JsonBody {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as JsonBody;
  } catch {
    return undefined;
  }
}
