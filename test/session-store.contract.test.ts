// One contract for every SessionStore implementation (memory, LevelDB), in the manner of
// aedes-persistence's abstract.js: each implementation runs the same tests.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Level } from 'level';
import { pino } from 'pino';
import { MemorySessionStore, LevelSessionStore, type SessionStore } from '../src/persistence/session-store.ts';
import { openStore } from '../src/persistence/open.ts';
import type { SessionRecord } from '../src/broker/sessions.ts';
import { newDataDir } from './process.ts';

function record(clientid: string, over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    clientid, username: 'u', proto_ver: 5, ip_address: '127.0.0.1', port: 1234, local_address: '127.0.0.1', local_port: 1883,
    connected: false, connected_at: 1_700_000_000_000, disconnected_at: 1_700_000_100_000, disconnected_reason: 'client disconnected',
    keepalive: 60, clean_start: false, session_present: true, expiry_interval: 300, persistent: true, created_at: 1_690_000_000_000,
    last_will: { message: 'Ynll', qos: 1, retain: false, topic: 'w' }, subscriptions: { 'a/#': 1, '$share/g/b': 2 }, ...over,
  };
}

interface Impl {
  name: string;
  /** A fresh, empty store; `reopen` gives a store over the same data (durable stores only). */
  create(): Promise<{ store: SessionStore; reopen?: () => Promise<SessionStore>; close: () => Promise<void> }>;
}

const impls: Impl[] = [
  { name: 'memory', create: async () => ({ store: new MemorySessionStore(), close: async () => {} }) },
  {
    name: 'LevelDB',
    create: async () => {
      const dir = join(newDataDir(), 'db');
      let db = new Level<string, string>(dir);
      const open = async () => {
        await db.open();
        return new LevelSessionStore(db.sublevel<string, SessionRecord>('sessions', { valueEncoding: 'json' }), (e) => { throw e; });
      };
      const store = await open();
      return {
        store,
        reopen: async () => { await store.flush(); await db.close(); db = new Level(dir); return open(); },
        close: () => db.close(),
      };
    },
  },
];

for (const impl of impls) {
  describe(`SessionStore contract: ${impl.name}`, () => {
    test('starts empty', async () => {
      const { store, close } = await impl.create();
      assert.deepEqual(await store.load(), []);
      await close();
    });

    test('saves and loads records field for field', async () => {
      const { store, close } = await impl.create();
      store.save(record('a'));
      store.save(record('b', { username: null, last_will: null, subscriptions: {} }));
      await store.flush();
      const loaded = (await store.load()).sort((x, y) => x.clientid.localeCompare(y.clientid));
      assert.deepEqual(loaded, [record('a'), record('b', { username: null, last_will: null, subscriptions: {} })]);
      await close();
    });

    test('a later save replaces the record; a save copies, so later mutation does not leak in', async () => {
      const { store, close } = await impl.create();
      const r = record('a');
      store.save(r);
      r.connected = true;
      store.save(record('a', { disconnected_reason: 'kicked' }));
      r.username = 'changed after save';
      await store.flush();
      const [loaded] = await store.load();
      assert.equal(loaded.disconnected_reason, 'kicked');
      assert.equal(loaded.connected, false);
      assert.equal(loaded.username, 'u');
      await close();
    });

    test('delete removes one record; deleting an unknown id is harmless', async () => {
      const { store, close } = await impl.create();
      store.save(record('a'));
      store.save(record('b'));
      store.delete('a');
      store.delete('nobody');
      await store.flush();
      assert.deepEqual((await store.load()).map((r) => r.clientid), ['b']);
      await close();
    });

    test('writes apply in call order', async () => {
      const { store, close } = await impl.create();
      for (let i = 0; i < 50; i++) store.save(record('x', { port: i }));
      store.delete('x');
      store.save(record('x', { port: 999 }));
      await store.flush();
      assert.deepEqual((await store.load()).map((r) => r.port), [999]);
      await close();
    });

    if (impl.name !== 'memory') {
      test('records survive closing and reopening the store', async () => {
        const { store, reopen, close } = await impl.create();
        store.save(record('kept'));
        store.save(record('gone'));
        store.delete('gone');
        const again = await reopen!();
        assert.deepEqual(await again.load(), [record('kept')]);
        await close();
      });
    }
  });
}

test('openStore: an unreadable session record stops startup instead of starting empty', async () => {
  const dataDir = newDataDir();
  const db = new Level<string, string>(join(dataDir, 'store'));
  await db.open();
  await db.sublevel<string, string>('sessions', { valueEncoding: 'utf8' }).put('broken', '{not json');
  await db.close();
  await assert.rejects(openStore({ type: 'level', data_dir: dataDir }, pino({ level: 'silent' })), /cannot read the session records/);
});
