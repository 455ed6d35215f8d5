import net from 'node:net';

/** An answer read off a raw socket. Header names are lower case. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: unknown;
}

/** Parses the first HTTP/1.1 answer in `data` (Content-Length framed, as Weir sends errors). */
export function parseRawAnswer(data: string): RawAnswer | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = data.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const text = data.slice(end + 4, end + 4 + length);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status, headers, text, body };
}

/** A socket held open by the test, with what it has received so far and whether the server closed it. */
export interface RawConnection {
  socket: net.Socket;
  received(): string;
  /** Resolves when the server closed (or reset) the connection. */
  closed: Promise<void>;
  isClosed(): boolean;
}

/** Opens a TCP connection to `url`'s host and port and writes `initial`, if any. */
export async function openRaw(url: string, initial?: string | Buffer): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  let data = '';
  let isClosed = false;
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString('utf8');
  });
  // A reset after the server answered is how some refusals end; the data read is what counts.
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      isClosed = true;
      resolve();
    }),
  );
  if (initial !== undefined) socket.write(initial);
  return { socket, received: () => data, closed, isClosed: () => isClosed };
}

/**
 * Sends `request` (raw bytes) on a new connection and reads until the server closes it or `timeoutMs`
 * passes; returns the parsed answer (undefined when none came).
 */
export async function rawRequest(url: string, request: string | Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
  const connection = await openRaw(url, request);
  const timer = setTimeout(() => connection.socket.destroy(), timeoutMs);
  await connection.closed;
  clearTimeout(timer);
  const answer = parseRawAnswer(connection.received());
  if (!answer) throw new Error(`no HTTP answer to a raw request; received: ${connection.received().slice(0, 200)}`);
  return answer;
}
