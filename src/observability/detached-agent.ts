import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';

/**
 * HTTP agents whose sockets never keep the process alive: a span export still in flight when Weir
 * has shut down (a collector that does not answer, with the exporter's 10 s request timeout) must not
 * hold the exit. While Weir runs, its server keeps the process alive anyway, so exports are unaffected.
 * Node refs a socket when it creates one for a request and again when it reuses a kept-alive one;
 * both are unref'd here.
 */
function detach(socket: Duplex | null | undefined): void {
  (socket as { unref?: () => void } | null | undefined)?.unref?.();
}

class DetachedHttpAgent extends http.Agent {
  override createConnection(
    ...args: Parameters<http.Agent['createConnection']>
  ): ReturnType<http.Agent['createConnection']> {
    const socket = super.createConnection(...args);
    detach(socket);
    return socket;
  }

  override reuseSocket(socket: Parameters<http.Agent['reuseSocket']>[0], request: http.ClientRequest): void {
    super.reuseSocket(socket, request);
    detach(socket);
  }
}

class DetachedHttpsAgent extends https.Agent {
  override createConnection(
    ...args: Parameters<https.Agent['createConnection']>
  ): ReturnType<https.Agent['createConnection']> {
    const socket = super.createConnection(...args);
    detach(socket);
    return socket;
  }

  override reuseSocket(socket: Parameters<https.Agent['reuseSocket']>[0], request: http.ClientRequest): void {
    super.reuseSocket(socket, request);
    detach(socket);
  }
}

/** The OTLP exporter's agent factory (`httpAgentOptions`): keep-alive agents with detached sockets. */
export function detachedAgent(protocol: string): http.Agent {
  return protocol === 'https:'
    ? new DetachedHttpsAgent({ keepAlive: true })
    : new DetachedHttpAgent({ keepAlive: true });
}
