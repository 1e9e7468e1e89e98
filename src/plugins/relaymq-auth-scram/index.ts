// relaymq-auth-scram: MQTT 5 enhanced authentication with SCRAM-SHA-256 (Authentication Method
// "SCRAM-SHA-256"), the built-in example of an AUTH-packet method (see broker/enhanced-auth.ts).
// Users live in `users_file` (TOML, relative to the plugin folder), each with either a
// `password` (derived to SCRAM keys when the file is read) or its stored form: base64 `salt`,
// `stored_key`, `server_key` and `iterations`. A reload re-reads the file. The authenticated
// user becomes the client's username (ACL %u). Clients that use username/password are not
// affected: they go through the other authentication plugins as before.
import { isAbsolute, join } from 'node:path';
import { definePlugin } from '../plugin.ts';
import { ConfigError, readToml } from '../../config/load.ts';
import { deriveCredentials, ScramExchange, type ScramCredentials } from './scram.ts';

interface ScramConfig { users_file: string }

export const METHOD = 'SCRAM-SHA-256';

interface UserEntry { password?: string; salt?: string; iterations?: number; stored_key?: string; server_key?: string }

/** Reads the users file; throws naming the user and key that are wrong. */
export function readUsers(file: string): Map<string, ScramCredentials> {
  let doc: { users?: Record<string, UserEntry> };
  try {
    doc = readToml(file, true) as typeof doc; // a TOML error says its line and column
  } catch (e) {
    throw new ConfigError(`relaymq-auth-scram: users_file '${file}': ${(e as Error).message}`);
  }
  const users = new Map<string, ScramCredentials>();
  for (const [name, u] of Object.entries(doc.users ?? {})) {
    if (typeof u.password === 'string') {
      users.set(name, deriveCredentials(u.password));
      continue;
    }
    const stored = { salt: u.salt, stored_key: u.stored_key, server_key: u.server_key };
    for (const [key, value] of Object.entries(stored)) {
      if (typeof value !== 'string') throw new ConfigError(`${file}: user '${name}' needs 'password' or base64 '${key}'`);
    }
    const iterations = u.iterations ?? 4096;
    if (!Number.isInteger(iterations) || iterations < 4096) throw new ConfigError(`${file}: user '${name}': 'iterations' must be an integer ≥ 4096`);
    users.set(name, {
      salt: Buffer.from(u.salt!, 'base64'), iterations,
      storedKey: Buffer.from(u.stored_key!, 'base64'), serverKey: Buffer.from(u.server_key!, 'base64'),
    });
  }
  return users;
}

export default definePlugin<ScramConfig>({
  name: 'relaymq-auth-scram',
  version: '0.1.0',
  descr: 'MQTT 5 enhanced authentication: SCRAM-SHA-256 against a users file',
  immutable: false,
  configSchema: {
    type: 'object', additionalProperties: false,
    properties: { users_file: { type: 'string', minLength: 1, default: 'scram-users.toml' } },
  },
  create(ctx) {
    let users = new Map<string, ScramCredentials>();
    let unregister: (() => void) | undefined;
    const load = (cfg: ScramConfig) => {
      const dir = ctx.config.broker.plugins.dir;
      users = readUsers(isAbsolute(cfg.users_file) ? cfg.users_file : join(dir, cfg.users_file));
    };
    return {
      async start(cfg) {
        load(cfg);
        unregister = ctx.authMethods.register(METHOD, () => new ScramExchange((name) => users.get(name)));
      },
      async stop() {
        unregister?.();
        unregister = undefined;
        return true;
      },
      async reload(cfg) { load(cfg); },
      attrs: () => ({ method: METHOD, users: users.size }),
    };
  },
});
