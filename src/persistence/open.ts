// The one place that chooses and opens the store (`[persistence]`): the MQTT store Aedes uses
// plus the session records, in memory or in one LevelDB database under data_dir/store.
//
// A LevelDB store is read whole at startup, every record checked against its checksum. A store
// that LevelDB or a checksum reports as damaged stops startup with one line naming the
// directory — unless `persistence.repair = true`: then LevelDB's repair runs, damaged records
// are dropped, what was lost is reported, and the broker starts with the rest.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryBackend, type Backend, type StoreHealth } from './backend.ts';
import { LevelBackend, StoreCorrupt, StoreError, corruptMessage } from './level-backend.ts';
import { MqttStore } from './mqtt-store.ts';
import { BackendSessionStore, MemorySessionStore, type SessionStore } from './session-store.ts';
import { CorruptRecord, parseKey } from './codec.ts';
import { BanStore } from './ban-store.ts';
import type { Logger } from '../util/log.ts';

export { StoreError };

export interface PersistenceConfig {
  type: 'memory' | 'level';
  data_dir: string;
  /** fsync every group commit before acknowledging (survives OS crashes and power loss). */
  sync: boolean;
  /** Repair a damaged store instead of refusing to start. */
  repair: boolean;
}

export interface Store {
  /** `redis`: the cluster's shared state (src/cluster/). */
  type: 'memory' | 'level' | 'redis';
  /** Aedes' persistence. */
  mqtt: MqttStore;
  sessions: SessionStore;
  /** Bans of clients (relaymq extension). */
  bans: BanStore;
  health(): StoreHealth;
  onHealthChange(listener: (h: StoreHealth) => void): void;
  /** Flushes pending writes and closes the database. */
  close(): Promise<void>;
}

export async function openStore(cfg: PersistenceConfig, log: Logger): Promise<Store> {
  if (cfg.type === 'memory') {
    const backend = new MemoryBackend();
    return assemble('memory', backend, new MqttStore(backend), new MemorySessionStore());
  }
  const dir = join(cfg.data_dir, 'store');
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new StoreError(`cannot create data directory ${dir}: ${(e as Error).message}`);
  }
  for (let repaired: string[] | undefined; ;) {
    let backend: LevelBackend | undefined;
    try {
      backend = await LevelBackend.open(dir, { sync: cfg.sync, log });
      const migrated = await backend.migrateLegacy().catch((e) => { throw readError(dir, e); });
      if (migrated) log.warn({ dir, migrated }, 'store migrated from the relaymq 0.1 format');
      const store = await loadLevel(backend, dir, log, cfg.repair);
      if (repaired) log.warn({ dir, leveldb: repaired }, 'store repaired: LevelDB skipped what is listed; the broker starts with the rest');
      return store;
    } catch (e) {
      await backend?.close().catch(() => {});
      if (!(e instanceof StoreCorrupt) || !cfg.repair || repaired) throw e;
      log.warn({ dir, reason: e.message }, 'store corrupt: repairing (persistence.repair = true)');
      repaired = await LevelBackend.repair(dir);
    }
  }
}

/** Reads every record into memory; damaged ones stop startup, or are dropped when repairing. */
async function loadLevel(backend: LevelBackend, dir: string, log: Logger, repair: boolean): Promise<Store> {
  const mqtt = new MqttStore(backend);
  const sessions = new BackendSessionStore(backend, (err) => log.error({ err }, 'session store write failed'));
  const bans = new BanStore(backend);
  const damaged: string[] = [];
  try {
    for await (const [key, value] of backend.entries()) {
      try {
        const kind = parseKey(key)?.kind;
        if (kind === 'session') BackendSessionStore.check(value);
        else if (kind === 'ban') bans.apply(key, value);
        else mqtt.apply(key, value);
      } catch (e) {
        if (!(e instanceof CorruptRecord)) throw e;
        damaged.push(key);
      }
    }
  } catch (e) {
    throw readError(dir, e as Error);
  }
  if (damaged.length) {
    if (!repair) throw new StoreCorrupt(corruptMessage(dir, `${damaged.length} record(s) fail their checksum, the first '${damaged[0]}'`));
    await backend.write(damaged.map((key) => ({ type: 'del', key })));
    log.warn({ dir, dropped: damaged }, 'store repaired: dropped records that failed their checksum');
  }
  return assemble('level', backend, mqtt, sessions, bans);
}

/** A failed read of the store: corruption (repairable) or another error, both naming the directory. */
function readError(dir: string, e: Error & { code?: string }): StoreError {
  if (e instanceof StoreError) return e;
  if (e.code === 'LEVEL_CORRUPTION' || /corrupt/i.test(e.message)) return new StoreCorrupt(corruptMessage(dir, e.message));
  return new StoreError(`cannot read the store in ${dir}: ${e.message}`);
}

export function assemble(type: Store['type'], backend: Backend, mqtt: MqttStore, sessions: SessionStore, bans = new BanStore(backend)): Store {
  return {
    type,
    mqtt,
    sessions,
    bans,
    health: () => backend.health(),
    onHealthChange: (l) => backend.onHealthChange(l),
    async close() {
      await sessions.flush().catch(() => {});
      await backend.close();
    },
  };
}
