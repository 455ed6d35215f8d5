import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { loadConfig, type WeirConfig } from '../../config.js';
import type { OAuthClients } from '../../management/oauth-clients.js';
import { ALL_SCOPES } from '../../model/scopes.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { printJson, printLine, printTable } from '../output.js';

interface DataFlags {
  dataDir?: string;
  databaseUrl?: string;
  create?: boolean;
}

/** Adds the options that say where the data is (a running server is not needed: this opens the database). */
function withData(command: Command): Command {
  return command
    .addOption(new Option('--data-dir <dir>', 'data directory (WEIR_DATA_DIR, default ./weir-data)'))
    .addOption(new Option('--database-url <url>', 'database (WEIR_DATABASE_URL, default sqlite:<data-dir>/weir.db)'))
    .option('--create', 'create the database (and its secret key) when there is none yet');
}

/** The SQLite file a database URL names, or null for a server database. */
function sqliteFile(databaseUrl: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(databaseUrl) && !databaseUrl.startsWith('sqlite:')) return null;
  return databaseUrl.replace(/^sqlite:(\/\/)?/, '');
}

/**
 * Refuses a folder that holds no Weir data (run from the wrong folder, the command used to create an
 * empty `./weir-data` and a client nobody's server would see) unless `--create` says to make one.
 */
export function checkWeirData(config: WeirConfig, isCreating: boolean): void {
  const file = sqliteFile(config.databaseUrl);
  if (file === null || isCreating) return;
  if (!existsSync(file)) {
    throw new CliError(
      `No Weir database at ${file}. Point --data-dir (or WEIR_DATA_DIR, or --database-url) at the data of your Weir, ` +
        'or add --create to start a new one.',
      ExitCode.Usage,
    );
  }
  if (config.secretKey === null && !existsSync(path.join(config.dataDir, 'secret.key'))) {
    throw new CliError(
      `${file} exists but ${path.join(config.dataDir, 'secret.key')} does not, and WEIR_SECRET_KEY is not set: ` +
        'give the key the server uses (a new one would not match its tokens).',
      ExitCode.Usage,
    );
  }
}

async function withClients<T>(flags: DataFlags, work: (clients: OAuthClients) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env, {
    ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}),
    ...(flags.databaseUrl !== undefined ? { databaseUrl: flags.databaseUrl } : {}),
  });
  checkWeirData(config, flags.create === true);
  // Loaded here, not at the top: the commands that only talk HTTP start without the store's native addon.
  const [{ OAuthClients }, { SecretBox }, { resolveSecretKey }, { openStore }] = await Promise.all([
    import('../../management/oauth-clients.js'),
    import('../../secrets/secret-box.js'),
    import('../../secrets/secret-key-file.js'),
    import('../../store/open-store.js'),
  ]);
  const store = await openStore(config.databaseUrl, { role: 'admin' });
  try {
    const clients = new OAuthClients({
      store,
      secrets: new SecretBox(resolveSecretKey(config.secretKey, config.dataDir)),
      now: Date.now,
    });
    return await work(clients);
  } finally {
    await store.close();
  }
}

/** `weir clients create|list|revoke`: works on the database directly, with or without a running server. */
export function registerClientsCommand(program: Command): void {
  const clients = program
    .command('clients')
    .description('Create, list and revoke OAuth clients (opens the database directly).');

  withData(
    clients
      .command('create')
      .description('Create an OAuth client; prints its id and secret (the secret is shown only this once).')
      .requiredOption('--name <name>', 'a name to recognise it by')
      .option('--scopes <scopes>', `space- or comma-separated (default all: ${ALL_SCOPES.join(' ')})`)
      .option('--json', 'print {client_id, client_secret, scopes} as JSON'),
  ).action(async (flags: DataFlags & { name: string; scopes?: string; json?: boolean }) => {
    const scopes = flags.scopes ? flags.scopes.split(/[\s,]+/).filter(Boolean) : [...ALL_SCOPES];
    const created = await withClients(flags, (c) => c.createClient(flags.name, scopes));
    if (flags.json) {
      return printJson({ client_id: created.clientId, client_secret: created.clientSecret, scopes: created.scopes });
    }
    printLine(`client_id:     ${created.clientId}`);
    printLine(`client_secret: ${created.clientSecret}`);
    printLine(`scopes:        ${created.scopes.join(' ')}`);
    printLine('Keep the secret: it is shown only this once.');
  });

  withData(
    clients.command('list').description('List OAuth clients.').option('--json', 'print the clients as JSON'),
  ).action(async (flags: DataFlags & { json?: boolean }) => {
    const list = await withClients(flags, (c) => c.listClients());
    if (flags.json) {
      return printJson(
        list.map((c) => ({
          client_id: c.clientId,
          name: c.name,
          scopes: c.scopes,
          revoked_at: c.revokedAt === null ? null : new Date(c.revokedAt).toISOString(),
        })),
      );
    }
    printTable(
      ['CLIENT ID', 'NAME', 'SCOPES', 'STATE'],
      list.map((c) => [
        c.clientId,
        c.name,
        c.scopes.join(' '),
        c.revokedAt === null ? 'active' : `revoked ${new Date(c.revokedAt).toISOString()}`,
      ]),
      'No clients.',
    );
  });

  withData(
    clients
      .command('revoke')
      .description('Revoke a client; its tokens stop working at once.')
      .argument('<client_id>', 'the client to revoke'),
  ).action(async (clientId: string, flags: DataFlags) => {
    await withClients(flags, (c) => c.revokeClient(clientId));
    printLine(`Revoked ${clientId}.`);
  });
}
