// The SessionStore contract suite, exported for every implementation to run (see
// test/session-store.test.ts): the same tests, whatever the storage.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionStore } from '../../src/persistence/session-store.ts';
import type { SessionRecord } from '../../src/broker/sessions.ts';

function record(clientid: string, over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    clientid, username: 'u', proto_ver: 5, ip_address: '127.0.0.1', port: 1234, local_address: '127.0.0.1', local_port: 1883,
    connected: false, connected_at: 1_700_000_000_000, disconnected_at: 1_700_000_100_000, disconnected_reason: 'client disconnected',
    keepalive: 60, clean_start: false, session_present: true, expiry_interval: 300, persistent: true, created_at: 1_690_000_000_000,
    last_will: { message: 'Ynll', qos: 1, retain: false, topic: 'w' }, subscriptions: {}, ...over,
  };
}

export interface SessionStoreImpl {
  name: string;
  /** Whether records outlive the store object (then `create` also gives `reopen`). */
  durable: boolean;
  /** A fresh, empty store; `reopen` gives a store over the same data (durable stores only). */
  create(): Promise<{ store: SessionStore; reopen?: () => Promise<SessionStore>; close: () => Promise<void> }>;
}

/**
 * The SessionStore contract, in the manner of aedes-persistence's abstract.js: every
 * implementation (memory, LevelDB, Redis) runs these same tests.
 */
export function sessionStoreContract(impl: SessionStoreImpl): void {

  describe(`SessionStore contract: ${impl.name}`, () => {
    test('starts empty', async () => {
      const { store, close } = await impl.create();
      assert.deepEqual(await store.load(), []);
      await close();
    });

    test('subscriptions are not kept (the MQTT store is their authority)', async () => {
      const { store, close } = await impl.create();
      store.save(record('s', { subscriptions: { 'a/#': 1, '$share/g/b': 2 } }));
      await store.flush();
      assert.deepEqual((await store.load())[0].subscriptions, {});
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

    if (impl.durable) {
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
