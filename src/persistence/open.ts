// The one place that chooses and opens the store (`[persistence] type`): Aedes' persistence
// plus the session record store, in memory or in one LevelDB database under data_dir.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import type { AedesPersistence } from 'aedes';
import { LevelSessionStore, MemorySessionStore, type SessionStore } from './session-store.ts';
import type { SessionRecord } from '../broker/sessions.ts';
import type { Logger } from '../util/log.ts';

// aedes-persistence-level's main export is callback-style; Aedes 2 needs its async class.
const AsyncLevelPersistence = createRequire(import.meta.url)('aedes-persistence-level/asyncPersistence.js') as
  new (db: unknown) => AedesPersistence;

export class StoreError extends Error {
  override name = 'StoreError';
}

export interface Store {
  type: 'memory' | 'level';
  /** Aedes' persistence; undefined means Aedes' own in-memory one. */
  aedes?: AedesPersistence;
  sessions: SessionStore;
  /** Flushes pending writes and closes the database. */
  close(): Promise<void>;
}

export async function openStore(cfg: { type: 'memory' | 'level'; data_dir: string }, log: Logger): Promise<Store> {
  if (cfg.type === 'memory') {
    return { type: 'memory', sessions: new MemorySessionStore(), close: async () => {} };
  }
  const dir = join(cfg.data_dir, 'store');
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new StoreError(`cannot create data directory ${dir}: ${(e as Error).message}`);
  }
  const db = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
  try {
    await db.open();
  } catch (e) {
    throw new StoreError(describeOpenError(dir, e as Error & { cause?: Error & { code?: string } }));
  }
  const sessions = new LevelSessionStore(db.sublevel<string, SessionRecord>('sessions', { valueEncoding: 'json' }),
    (err) => log.error({ err }, 'session store write failed'));
  try {
    await sessions.load(); // read once now, so an unreadable store stops startup here
  } catch (e) {
    await db.close();
    throw new StoreError(`cannot read the session records in ${dir}: ${(e as Error).message}`);
  }
  const aedes = tracked(new AsyncLevelPersistence(db.sublevel('mqtt', { valueEncoding: 'buffer' })));
  return {
    type: 'level',
    aedes: aedes.target,
    sessions,
    async close() {
      // Aedes still writes while its clients close (wills, clean sessions): let that finish.
      await aedes.idle(CLOSE_WAIT_MS);
      await sessions.flush().catch(() => {});
      await db.close();
    },
  };
}

/** Longest wait for the store's pending operations at shutdown. */
const CLOSE_WAIT_MS = 3000;

/** Counts the promises the persistence's methods return, so that closing can wait for them. */
function tracked<T extends object>(target: T): { target: T; idle(timeoutMs: number): Promise<void> } {
  let pending = 0;
  const proxy = new Proxy(target, {
    get(obj, key) {
      const value = Reflect.get(obj, key, obj);
      if (typeof value !== 'function') return value;
      // Async methods stay async functions: Aedes checks that setup() is one. Sync ones (the
      // stream factories) are passed through.
      if (value.constructor.name !== 'AsyncFunction') return value.bind(obj);
      return async (...args: unknown[]) => {
        pending++;
        try {
          return await value.apply(obj, args);
        } finally {
          pending--;
        }
      };
    },
  });
  return {
    target: proxy,
    async idle(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    },
  };
}

function describeOpenError(dir: string, e: Error & { cause?: Error & { code?: string }; code?: string }): string {
  const cause = e.cause ?? e;
  if (cause.code === 'LEVEL_LOCKED' || /lock/i.test(cause.message)) {
    return `data directory ${dir} is in use by another process (its LevelDB lock is held); stop it or set persistence.data_dir`;
  }
  if (cause.code === 'LEVEL_CORRUPTION' || /corrupt/i.test(cause.message)) {
    return `the store in ${dir} is corrupt (${cause.message}); restore it from a backup or move it away`;
  }
  return `cannot open the store in ${dir}: ${cause.message}`;
}

/** Messages the store holds for a client (queued, or sent and not acknowledged). */
export async function countOutgoing(p: AedesPersistence, clientid: string): Promise<number> {
  let n = 0;
  for await (const _ of p.outgoingStream({ id: clientid })) n++;
  return n;
}

/** Clears every message queued for a client, also those without a packet id (queued, never sent). */
export async function clearOutgoing(p: AedesPersistence, clientid: string): Promise<void> {
  const id = { id: clientid };
  const packets = [];
  for await (const packet of p.outgoingStream(id)) packets.push(packet);
  // (LevelDB's msgpack turns an absent id into null.)
  const hasId = (x: { messageId?: number | null }) => typeof x.messageId === 'number';
  for (const packet of packets.filter(hasId)) await p.outgoingClearMessageId(id, packet);
  // A queued packet has no id yet and stores clear by id only: give it one, then clear it.
  for (const packet of packets.filter((x) => !hasId(x))) {
    await p.outgoingUpdate(id, { ...packet, messageId: 1 });
    await p.outgoingClearMessageId(id, { messageId: 1 });
  }
}
