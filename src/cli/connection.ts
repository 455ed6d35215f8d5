import { Option, type Command } from 'commander';
import { WeirApiClient } from './api-client.js';

/** The options every command that talks to a running Weir takes. */
export interface ConnectionFlags {
  url: string;
  token?: string;
  clientId?: string;
  clientSecret?: string;
}

/** The default server: a `weir serve` on this machine with the default port. */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

/**
 * Adds `--url`, `--token`, `--client-id`, `--client-secret` (each with its environment variable) to a
 * command. Flags win over the environment, a token over the client credentials.
 */
export function withConnection(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'Weir base URL').env('WEIR_URL').default(DEFAULT_URL))
    .addOption(new Option('--token <token>', 'OAuth bearer token').env('WEIR_TOKEN'))
    .addOption(
      new Option('--client-id <id>', 'OAuth client id, exchanged with the secret for a token').env('WEIR_CLIENT_ID'),
    )
    .addOption(new Option('--client-secret <secret>', 'OAuth client secret').env('WEIR_CLIENT_SECRET'));
}

/** The API client for a command's connection flags. */
export function connect(flags: ConnectionFlags, timeoutMs?: number): WeirApiClient {
  return new WeirApiClient({
    url: flags.url,
    ...(flags.token ? { token: flags.token } : {}),
    ...(flags.clientId ? { clientId: flags.clientId } : {}),
    ...(flags.clientSecret ? { clientSecret: flags.clientSecret } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}
