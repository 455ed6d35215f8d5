import type pg from 'pg';
import type { ClientRecord } from '../../model/records.js';
import { toClient, type ClientRow } from '../rows.js';

const INSERT_CLIENT = `
  INSERT INTO oauth_clients (client_id, name, secret_hash, scopes, created_at, revoked_at)
  VALUES ($1, $2, $3, $4, $5, NULL)`;
const UPSERT_CLIENT = `${INSERT_CLIENT}
  ON CONFLICT (client_id) DO UPDATE SET secret_hash = excluded.secret_hash, scopes = excluded.scopes,
    name = excluded.name, revoked_at = NULL`;
const SELECT_CLIENT = 'SELECT * FROM oauth_clients WHERE client_id = $1';
// COLLATE "C": byte order, as SQLite's BINARY, whatever the database's collation.
const SELECT_CLIENTS = 'SELECT * FROM oauth_clients ORDER BY created_at, client_id COLLATE "C"';
const REVOKE_CLIENT = 'UPDATE oauth_clients SET revoked_at = $1 WHERE client_id = $2 AND revoked_at IS NULL';
const COUNT_CLIENTS = 'SELECT count(*) AS n FROM oauth_clients WHERE revoked_at IS NULL';

/** OAuth clients on PostgreSQL (the catalog delegates to it). */
export class PgClientQueries {
  constructor(private readonly pool: pg.Pool) {}

  async create(client: ClientRecord): Promise<void> {
    await this.pool.query(INSERT_CLIENT, clientValues(client));
  }

  /** Creates the client or replaces its secret and scopes, clearing a revocation (bootstrap). */
  async upsert(client: ClientRecord): Promise<void> {
    await this.pool.query(UPSERT_CLIENT, clientValues(client));
  }

  async get(clientId: string): Promise<ClientRecord | undefined> {
    const row = (await this.pool.query<ClientRow>(SELECT_CLIENT, [clientId])).rows[0];
    return row && toClient(row);
  }

  async list(): Promise<ClientRecord[]> {
    return (await this.pool.query<ClientRow>(SELECT_CLIENTS)).rows.map(toClient);
  }

  async revoke(clientId: string, now: number): Promise<boolean> {
    return (await this.pool.query(REVOKE_CLIENT, [now, clientId])).rowCount === 1;
  }

  async count(): Promise<number> {
    return (await this.pool.query<{ n: number }>(COUNT_CLIENTS)).rows[0]?.n ?? 0;
  }
}

function clientValues(client: ClientRecord): Array<string | number> {
  return [client.clientId, client.name, client.secretHash, client.scopes.join(' '), client.createdAt];
}
