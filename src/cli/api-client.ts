import { CliError, ExitCode } from './exit-codes.js';

/** How the CLI reaches a running Weir (flags, else `WEIR_URL`, `WEIR_TOKEN`, `WEIR_CLIENT_ID`, `WEIR_CLIENT_SECRET`). */
export interface ConnectionOptions {
  /** Base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  /** A bearer token; wins over the client credentials. */
  token?: string;
  /** OAuth client credentials, exchanged once at `POST /oauth/token` for a token. */
  clientId?: string;
  clientSecret?: string;
  /** Per request; default 30 s (a `/sync` call waits up to the server's responsive timeout, 110 s by default). */
  timeoutMs?: number;
}

export interface ApiRequest {
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** False: no bearer token (the trigger API authenticates per workflow). Default true. */
  isAuthenticated?: boolean;
  timeoutMs?: number;
}

/** An answer, whatever its status. `body` is the parsed JSON, or the text when it is not JSON. */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** The server answered with an error status; the message is the envelope's titles. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: ${describeError(status, body)}`, exitCodeOf(status));
  }
}

function exitCodeOf(status: number): ExitCode {
  if (status === 401 || status === 403) return ExitCode.Unauthorized;
  if (status >= 500) return ExitCode.Unavailable;
  return ExitCode.Refused;
}

/**
 * The sentences of an error answer: the envelope's titles (with their fields), the reference's 422
 * reasons, OAuth's `error`, or the status alone.
 */
export function describeError(status: number, body: unknown): string {
  if (isRecord(body)) {
    if (Array.isArray(body.errors)) {
      const titles = body.errors.filter(isRecord).map((e) => {
        const field = typeof e.field === 'string' ? ` (field ${e.field})` : '';
        return `${String(e.title ?? e.code ?? 'error')}${field}`;
      });
      if (titles.length > 0) return `${status} ${titles.join('; ')}`;
    }
    if (Array.isArray(body.reasons)) {
      const reasons = body.reasons.filter(isRecord).map((r) => `${String(r.fieldName)}: ${String(r.title)}`);
      return `${status} ${reasons.join('; ')}`;
    }
    if (typeof body.error === 'string') return `${status} ${body.error}`;
  }
  return typeof body === 'string' && body !== '' ? `${status} ${body.slice(0, 300)}` : `HTTP ${status}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A small client of Weir's public HTTP API (the management API, `/oauth/token` and the trigger API).
 * It holds no knowledge of the server's code: everything goes over HTTP, as any other client's would.
 */
export class WeirApiClient {
  private readonly baseUrl: string;
  private token: string | undefined;
  /** True when `token` came from the client credentials (so it can be exchanged again), not from --token. */
  private isTokenExchanged = false;

  constructor(private readonly options: ConnectionOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new CliError(`--url must be a URL such as http://127.0.0.1:8080; got "${options.url}".`, ExitCode.Usage);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new CliError(`--url must start with http:// or https://; got "${options.url}".`, ExitCode.Usage);
    }
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.token = options.token;
  }

  get url(): string {
    return this.baseUrl;
  }

  /** A request that must succeed (2xx); anything else throws `ApiError` naming `what`. */
  async call(method: string, path: string, request: ApiRequest = {}): Promise<unknown> {
    const answer = await this.send(method, path, request);
    if (answer.status < 200 || answer.status > 299) throw new ApiError(answer.status, answer.body, `${method} ${path}`);
    return answer.body;
  }

  /** A request whose every answer is returned (the trigger API's statuses carry outcomes). */
  async send(method: string, path: string, request: ApiRequest = {}): Promise<ApiAnswer> {
    const answer = await this.sendOnce(method, path, request);
    // A token exchanged here expires after an hour (a long `--wait`): exchange again once, then retry.
    if (answer.status === 401 && this.isTokenExchanged && (request.isAuthenticated ?? true)) {
      this.token = undefined;
      return this.sendOnce(method, path, request);
    }
    return answer;
  }

  private async sendOnce(method: string, path: string, request: ApiRequest): Promise<ApiAnswer> {
    const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
    if (request.isAuthenticated ?? true) headers.Authorization = `Bearer ${await this.bearerToken()}`;
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['Content-Type'] = 'application/json';
    }
    return this.fetch(method, `${this.baseUrl}${path}${queryString(request.query)}`, {
      headers,
      body,
      timeoutMs: request.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
  }

  /** The bearer token: the one given, else one exchanged for the client credentials (once per process). */
  private async bearerToken(): Promise<string> {
    if (this.token !== undefined) return this.token;
    const { clientId, clientSecret } = this.options;
    if (!clientId || !clientSecret) {
      throw new CliError(
        'No credentials: give --token (or WEIR_TOKEN), or --client-id and --client-secret ' +
          '(or WEIR_CLIENT_ID and WEIR_CLIENT_SECRET).',
        ExitCode.Usage,
      );
    }
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    });
    const answer = await this.fetch('POST', `${this.baseUrl}/oauth/token`, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: form.toString(),
      timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    if (answer.status !== 200 || !isRecord(answer.body) || typeof answer.body.access_token !== 'string') {
      const reason = describeError(answer.status, answer.body);
      throw new CliError(
        `The client credentials were refused at POST /oauth/token: ${reason}`,
        answer.status >= 500 ? ExitCode.Unavailable : ExitCode.Unauthorized,
      );
    }
    this.token = answer.body.access_token;
    this.isTokenExchanged = true;
    return this.token;
  }

  private async fetch(
    method: string,
    url: string,
    init: { headers: Record<string, string>; body?: string | undefined; timeoutMs: number },
  ): Promise<ApiAnswer> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: init.headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        signal: AbortSignal.timeout(init.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${init.timeoutMs / 1000} s`
          : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new CliError(
        `Cannot reach Weir at ${this.baseUrl} (${method} ${new URL(url).pathname}): ${reason}`,
        ExitCode.Unavailable,
      );
    }
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: parseBody(text) };
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function queryString(query: ApiRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
