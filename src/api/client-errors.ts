import crypto from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { envelope } from './errors.js';

/** What Node's HTTP parser and its timers report on a connection, before any route sees a request. */
interface ClientError extends Error {
  code?: string;
  /** The bytes the parser had when it failed (Node sets a Buffer on parser errors). */
  rawPacket?: unknown;
}

/** The answer to a request Node refused before Fastify saw it. */
export interface ClientErrorAnswer {
  status: number;
  code: string;
  title: string;
}

/**
 * Maps an error of Node's HTTP layer to an answer: the headers or the whole request not received in
 * time (408), a request line longer than the header limit (414), headers over the limit (431), bytes
 * that are not HTTP (400). Undefined when there is nobody left to answer (the peer reset).
 */
export function clientErrorAnswer(error: ClientError): ClientErrorAnswer | undefined {
  switch (error.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return undefined;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'request_timeout', title: 'The request was not received in time.' };
    case 'HPE_HEADER_OVERFLOW':
      // The limit counts the request line with the headers: a request line over it alone is a URI too long.
      return isRequestLineOverLimit(error.rawPacket)
        ? { status: 414, code: 'uri_too_long', title: 'The request URI is too long.' }
        : { status: 431, code: 'headers_too_large', title: 'The request headers are too large.' };
    default:
      return { status: 400, code: 'invalid', title: 'The request is not valid HTTP.' };
  }
}

/** True when `raw` starts with a request line (`GET /...`) longer than Node's header size limit. */
function isRequestLineOverLimit(raw: unknown): boolean {
  if (!Buffer.isBuffer(raw) || !/^[A-Z]{3,10} /.test(raw.subarray(0, 11).toString('latin1'))) return false;
  const end = raw.indexOf('\r\n');
  return (end < 0 ? raw.length : end) >= http.maxHeaderSize;
}

/**
 * Fastify's `clientErrorHandler`: answers what Node's parser refused (414, 431, 400) or did not get in
 * time (408) with the error envelope and a request id, like every other answer, then closes the
 * connection (the parser's state is unknown after an error, so it cannot be reused).
 */
export function answerClientError(log: FastifyBaseLogger, error: ClientError, socket: Duplex): void {
  {
    const answer = clientErrorAnswer(error);
    if (!answer || socket.destroyed) {
      socket.destroy();
      return;
    }
    const id = crypto.randomUUID();
    log.info({ code: error.code, status: answer.status, reqId: id }, 'request refused by the HTTP parser');
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify(envelope([{ status: answer.status, code: answer.code, title: answer.title }]));
    // end() flushes the answer before closing; a peer that never reads gets cut a second later.
    socket.end(
      [
        `HTTP/1.1 ${answer.status} ${http.STATUS_CODES[answer.status] ?? 'Error'}`,
        'Content-Type: application/json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        `Weir-Request-Id: ${id}`,
        `Zuora-Request-Id: ${id}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
    setTimeout(() => socket.destroy(), 1000).unref();
  }
}
