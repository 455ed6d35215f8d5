import { InvalidRequestError, NotFoundError } from '../model/errors.js';
import type { JsonValue } from '../model/records.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { GlobalConstantRecord } from '../store/store-global-constants.js';
import type { Store } from '../store/store.js';

export interface GlobalConstantsOptions {
  store: Store;
  /** Changes are announced to every node, each of which drops its cached scope. */
  secrets: SecretBox;
  now: () => number;
}

/** A constant as the API shows it: a secret one's value never again, only its last characters. */
export interface ShownGlobalConstant {
  name: string;
  value: JsonValue;
  secret: boolean;
  /** A secret's last 4 characters behind `****` when it is 12 or longer, else `****`. */
  hint: string | null;
  created_at: string;
  updated_at: string;
}

/** Names templates can read as `GlobalConstants.<name>`. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** A constant is a setting, not a payload. */
const MAX_VALUE_CHARS = 64 * 1024;

/**
 * Global constants (issue 11): set, list, delete; a secret one is sealed before it reaches the store
 * (the trigger credentials' key) and never shown again in full. `values()` gives templates their
 * `GlobalConstants` scope, secrets opened, cached until the next change.
 *
 * The engine does not hand `GlobalConstants` to templates yet: that is a seam in src/engine
 * (the task executor's scope), left to the engine's owner.
 */
export class GlobalConstants {
  private cached: Promise<Record<string, JsonValue>> | undefined;

  constructor(private readonly options: GlobalConstantsOptions) {
    options.store.notifier.subscribe((event) => {
      if (event.kind === 'constants-changed' || event.kind === 'resync') this.cached = undefined;
    });
  }

  async list(): Promise<ShownGlobalConstant[]> {
    return (await this.options.store.constants.list()).map((r) => this.show(r));
  }

  /** Creates or replaces `name`. Throws `InvalidRequestError` naming `name`, `value` or `secret`. */
  async set(name: string, body: unknown): Promise<ShownGlobalConstant> {
    if (!NAME.test(name)) {
      throw new InvalidRequestError(
        'name must start with a letter or _ and hold only letters, digits and _ (at most 128).',
        'name',
      );
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !('value' in body)) {
      throw new InvalidRequestError('The body must be {"value": ..., "secret": true|false}.', 'value');
    }
    const { value, secret = false } = body as { value: unknown; secret?: unknown };
    if (typeof secret !== 'boolean') throw new InvalidRequestError('secret must be true or false.', 'secret');
    const json = JSON.stringify(value);
    if (json === undefined || json.length > MAX_VALUE_CHARS) {
      throw new InvalidRequestError(`value must be JSON of at most ${MAX_VALUE_CHARS} characters.`, 'value');
    }
    if (secret && typeof value !== 'string') {
      throw new InvalidRequestError('A secret value must be a string (an API key, a password).', 'value');
    }
    const record = await this.options.store.constants.put({
      name,
      valueJson: secret ? null : json,
      valueSealed: secret ? this.options.secrets.seal(json) : null,
      isSecret: secret,
      now: this.options.now(),
    });
    this.options.store.notifier.publish({ kind: 'constants-changed' });
    return this.show(record);
  }

  async delete(name: string): Promise<void> {
    if (!(await this.options.store.constants.delete(name))) {
      throw new NotFoundError(`Global constant ${name} does not exist.`);
    }
    this.options.store.notifier.publish({ kind: 'constants-changed' });
  }

  /** Every constant's value by name, secrets opened: the `GlobalConstants` Liquid scope. */
  values(): Promise<Record<string, JsonValue>> {
    if (this.cached) return this.cached;
    // Asked by every task attempt: a failed read is forgotten (the next one tries again), and the
    // handler that does so is attached once per read, not once per call.
    const loading = this.options.store.constants
      .list()
      .then((records) => Object.fromEntries(records.map((r) => [r.name, this.valueOf(r)])));
    this.cached = loading;
    loading.catch(() => {
      if (this.cached === loading) this.cached = undefined;
    });
    return loading;
  }

  private valueOf(record: GlobalConstantRecord): JsonValue {
    const json = record.isSecret ? this.options.secrets.open(record.valueSealed ?? '') : (record.valueJson ?? 'null');
    return JSON.parse(json) as JsonValue;
  }

  private show(record: GlobalConstantRecord): ShownGlobalConstant {
    let hint: string | null = null;
    if (record.isSecret) {
      const plain = this.valueOf(record);
      hint = typeof plain === 'string' && plain.length >= 12 ? `****${plain.slice(-4)}` : '****';
    }
    return {
      name: record.name,
      value: record.isSecret ? null : this.valueOf(record),
      secret: record.isSecret,
      hint,
      created_at: new Date(record.createdAt).toISOString(),
      updated_at: new Date(record.updatedAt).toISOString(),
    };
  }
}
