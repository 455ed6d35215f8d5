import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { OAuthClients } from '../../management/oauth-clients.js';
import { ALL_SCOPES } from '../../model/scopes.js';
import { SecretBox } from '../../secrets/secret-box.js';
import { resolveSecretKey } from '../../secrets/secret-key-file.js';
import { openStore } from '../../store/open-store.js';

/** `weir clients create|list|revoke`: works on the database directly, with or without a running server. */
export async function runClientsCommand(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      scopes: { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const config = loadConfig(process.env, {
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    ...(values['database-url'] !== undefined ? { databaseUrl: values['database-url'] } : {}),
  });
  const store = await openStore(config.databaseUrl, { role: 'admin' });
  try {
    const clients = new OAuthClients({
      store,
      secrets: new SecretBox(resolveSecretKey(config.secretKey, config.dataDir)),
      now: Date.now,
    });
    switch (verb) {
      case 'create': {
        if (!values.name) {
          process.stderr.write('weir clients create: --name is required\n');
          return 2;
        }
        const scopes = values.scopes ? values.scopes.split(/[\s,]+/).filter(Boolean) : [...ALL_SCOPES];
        const created = await clients.createClient(values.name, scopes);
        process.stdout.write(
          `client_id:     ${created.clientId}\nclient_secret: ${created.clientSecret}\nscopes:        ${created.scopes.join(' ')}\n` +
            'Keep the secret: it is shown only this once.\n',
        );
        return 0;
      }
      case 'list': {
        const list = await clients.listClients();
        if (list.length === 0) process.stdout.write('No clients.\n');
        for (const client of list) {
          const state = client.revokedAt === null ? 'active' : `revoked ${new Date(client.revokedAt).toISOString()}`;
          process.stdout.write(`${client.clientId}\t${client.name}\t${client.scopes.join(' ')}\t${state}\n`);
        }
        return 0;
      }
      case 'revoke': {
        const [clientId] = positionals;
        if (!clientId) {
          process.stderr.write('weir clients revoke: give the client_id\n');
          return 2;
        }
        await clients.revokeClient(clientId);
        process.stdout.write(`Revoked ${clientId}.\n`);
        return 0;
      }
      default:
        process.stderr.write('Usage: weir clients create --name N [--scopes S] | list | revoke <client_id>\n');
        return 2;
    }
  } finally {
    await store.close();
  }
}
