import type { WorkflowSettings } from '../api/types';

/**
 * Ready-to-paste curl commands for the settings page: both modes with the API token and with basic
 * credentials on the trigger API, and a standard run over OAuth (the management API's `/run`; the
 * responsive endpoint takes only the workflow's own credentials).
 */

export type Mode = 'run' | 'sync';
export type AuthMethod = 'token' | 'basic' | 'oauth';

export interface CurlOptions {
  workflowId: number;
  settings: WorkflowSettings;
  /** The base URL of this Weir, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** The signed-in OAuth client id (its secret is never shown). */
  clientId: string;
  /** The JSON body to send. */
  inputs: Record<string, unknown>;
}

/** Single-quotes a value for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The curl command for one mode and one way to authenticate; undefined where Weir has none (OAuth × sync). */
export function curlCommand(mode: Mode, auth: AuthMethod, options: CurlOptions): string | undefined {
  const body = JSON.stringify(options.inputs);
  const data = ` \\\n  -H 'Content-Type: application/json' \\\n  -d ${shellQuote(body)}`;
  const endpoint = mode === 'run' ? options.settings.endpoints.run : options.settings.endpoints.sync;
  if (auth === 'token') {
    return `curl -s -X POST ${shellQuote(endpoint)} \\\n  -H ${shellQuote(`API-Token: ${options.settings.api_token}`)}${data}`;
  }
  if (auth === 'basic') {
    const { username, password } = options.settings.basic_auth;
    return `curl -s -X POST ${shellQuote(endpoint)} \\\n  -u ${shellQuote(`${username}:${password}`)}${data}`;
  }
  if (mode === 'sync') return undefined;
  const base = options.baseUrl.replace(/\/+$/, '');
  const tokenCommand =
    `TOKEN=$(curl -s ${shellQuote(`${base}/oauth/token`)} \\\n` +
    `  -d grant_type=client_credentials -d client_id=${shellQuote(options.clientId || '<client id>')} ` +
    `-d client_secret='<client secret>' \\\n` +
    `  | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`;
  return `${tokenCommand}\ncurl -s -X POST ${shellQuote(`${base}/workflows/${options.workflowId}/run`)} \\\n  -H "Authorization: Bearer $TOKEN"${data}`;
}
