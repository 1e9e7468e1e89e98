// Durability as an operator sees it, with relaymq as a real process on LevelDB: persistent
// MQTT 3.1.1 and 5 sessions, their subscriptions and queued QoS 1/2 messages, and retained
// messages survive a graceful restart and a SIGKILL right after the publisher's PUBACKs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { spawnRelay, processConfig, newDataDir, type RelayProcess } from './process.ts';
import { collect, connectMqtt, waitFor } from './helpers.ts';

const url = (p: RelayProcess) => `mqtt://127.0.0.1:${p.ports.mqtt}`;
const connect = (p: RelayProcess, opts: mqtt.IClientOptions) => connectMqtt(url(p), opts);

async function stop(p: RelayProcess, signal: NodeJS.Signals): Promise<number | null> {
  p.child.kill(signal);
  return Promise.race([p.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]) as Promise<number | null>;
}

/** Two persistent sessions subscribed to d/#, then offline. */
async function makeSessions(p: RelayProcess) {
  const v4 = await connect(p, { clientId: 'dur-v4', protocolVersion: 4, clean: false });
  await v4.subscribeAsync('d/#', { qos: 2 });
  const v5 = await connect(p, { clientId: 'dur-v5', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 99999 } });
  await v5.subscribeAsync('d/#', { qos: 2 });
  await Promise.all([v4.endAsync(), v5.endAsync()]);
}

describe('durability', { timeout: 120_000 }, () => {
  test('graceful restart: sessions, queued QoS 1/2 messages and retained messages come back', async () => {
    const config = processConfig(newDataDir());
    let p = await spawnRelay(config);
    await makeSessions(p);
    const pub = await connect(p, { clientId: 'dur-pub', protocolVersion: 5 });
    await pub.publishAsync('d/1', 'one', { qos: 1 });
    await pub.publishAsync('d/2', 'two', { qos: 2 });
    await pub.publishAsync('r/keep', 'kept', { qos: 1, retain: true });
    await pub.publishAsync('r/short', 'short-lived', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
    await pub.endAsync();
    const before = (await p.api('/clients?connected=false')).data;
    assert.deepEqual(before.map((c: any) => c.clientid).sort(), ['dur-v4', 'dur-v5']);
    assert.ok(before.every((c: any) => c.mqueue_len === 2));

    // a client still connected (with a will) while the broker shuts down
    const online = await connect(p, { clientId: 'dur-online', protocolVersion: 4, clean: false, will: { topic: 'w/online', payload: Buffer.from('bye'), qos: 1, retain: false } });
    online.on('error', () => {});
    await online.subscribeAsync('o/#', { qos: 1 });
    assert.equal(await stop(p, 'SIGTERM'), 0, 'graceful shutdown exits 0');
    assert.doesNotMatch(p.output(), /error|not open/i);
    online.end(true);
    await new Promise((r) => setTimeout(r, 1100)); // r/short expires meanwhile
    p = await spawnRelay(config);
    try {
      const after = (await p.api('/clients?connected=false')).data;
      const key = (c: any) => `${c.clientid} ${c.created_at} ${c.proto_ver} ${c.expiry_interval} ${c.subscriptions_cnt} ${c.mqueue_len}`;
      const stayed = after.filter((c: any) => c.clientid !== 'dur-online');
      assert.deepEqual(stayed.map(key).sort(), before.map(key).sort());
      const online = after.find((c: any) => c.clientid === 'dur-online');
      assert.deepEqual([online.subscriptions_cnt, online.disconnected_reason], [1, 'server shutting down']);
      assert.deepEqual((await p.api('/routes')).data.map((r: any) => r.topic).sort(), ['d/#', 'o/#']);

      const v4 = await connect(p, { clientId: 'dur-v4', protocolVersion: 4, clean: false });
      const in4 = collect(v4);
      // MQTT 5 resumption: Clean Start = 0 and no Session Expiry Interval on this CONNECT
      const v5 = await connect(p, { clientId: 'dur-v5', protocolVersion: 5, clean: false });
      const in5 = collect(v5);
      for (const inbox of [in4, in5]) {
        const got = await inbox.next(2);
        assert.deepEqual(got.map((m) => `${m.topic}=${m.payload}`).sort(), ['d/1=one', 'd/2=two']);
      }
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(in4.messages.length, 2, 'QoS 2 exactly once');
      assert.equal(in5.messages.length, 2);
      // the new (zero) expiry applies from now on: the v5 session ends with this connection
      await v5.endAsync();
      await waitFor(async () => (await p.api('/clients/dur-v5')).code === 404, 5000, 'the v5 session to end with its connection');

      const late = await connect(p, { clientId: 'dur-late', protocolVersion: 5 });
      const retained = collect(late);
      await late.subscribeAsync('r/#', { qos: 1 });
      const [kept] = await retained.next(1);
      assert.equal(`${kept.topic}=${kept.payload}`, 'r/keep=kept');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(retained.messages.length, 1, 'the expired retained message is gone');
      await Promise.all([v4.endAsync(), late.endAsync()]);
    } finally {
      await stop(p, 'SIGTERM');
    }
  });

  test('SIGKILL right after the PUBACKs: every acknowledged message reaches every persistent subscriber', async () => {
    const config = processConfig(newDataDir());
    let p = await spawnRelay(config);
    await makeSessions(p);
    const pub = await connect(p, { clientId: 'kill-pub', protocolVersion: 4 });
    const N = 20;
    for (let i = 0; i < N; i++) await pub.publishAsync(`d/${i}`, `m${i}`, { qos: (i % 2) + 1 as 1 | 2 });
    p.child.kill('SIGKILL');
    await p.exited;
    pub.end(true);

    p = await spawnRelay(config);
    try {
      const clients = (await p.api('/clients')).data;
      assert.deepEqual(clients.map((c: any) => `${c.clientid} ${c.connected} ${c.disconnected_reason}`).sort(),
        ['dur-v4 false client disconnected', 'dur-v5 false client disconnected']);
      for (const [id, version] of [['dur-v4', 4], ['dur-v5', 5]] as const) {
        const c = await connect(p, { clientId: id, protocolVersion: version, clean: false, ...(version === 5 ? { properties: { sessionExpiryInterval: 99999 } } : {}) });
        const inbox = collect(c);
        await inbox.next(N, 10_000);
        await new Promise((r) => setTimeout(r, 300));
        const payloads = inbox.messages.map((m) => m.payload.toString());
        assert.equal(payloads.length, N, `${id}: exactly ${N}`);
        assert.deepEqual([...payloads].sort(), Array.from({ length: N }, (_, i) => `m${i}`).sort());
        await c.endAsync();
      }
    } finally {
      await stop(p, 'SIGTERM');
    }
  });

  test('QoS 0 traffic to a persistent subscriber never costs it an acknowledged QoS 1 message', async () => {
    const p = await spawnRelay(processConfig(newDataDir()));
    try {
      const sub = await connect(p, { clientId: 'mixed-sub', clean: false });
      await sub.subscribeAsync('mix/#', { qos: 1 });
      const got = collect(sub);
      const [ones, zeros] = await Promise.all([connect(p, { clientId: 'mixed-q1' }), connect(p, { clientId: 'mixed-q0' })]);
      // QoS 0 messages flow while each QoS 1 message waits for the store: later-numbered ones overtake it.
      let stop = false;
      const background = (async () => {
        for (let i = 0; !stop && i < 20_000; i++) {
          await zeros.publishAsync('mix/zero', String(i), { qos: 0 });
          if (i % 5 === 0) await new Promise((r) => setImmediate(r));
        }
      })();
      const N = 200;
      for (let i = 0; i < N; i++) await ones.publishAsync('mix/one', `one-${i}`, { qos: 1 });
      stop = true;
      await background;
      const qos1 = () => got.messages.filter((m) => m.topic === 'mix/one').map((m) => m.payload.toString());
      await waitFor(() => qos1().length >= N, 10_000, `every acknowledged QoS 1 message (got ${qos1().length})`);
      assert.deepEqual(new Set(qos1()), new Set(Array.from({ length: N }, (_, i) => `one-${i}`)));
      for (const c of [sub, ones, zeros]) await c.endAsync();
    } finally {
      await stop(p, 'SIGTERM');
    }
  });

  test('a second process on the same data_dir fails fast with a clear message', async () => {
    const dataDir = newDataDir();
    const p = await spawnRelay(processConfig(dataDir));
    try {
      await assert.rejects(spawnRelay(processConfig(dataDir)), /relaymq: data directory .* is in use by another process/);
    } finally {
      await stop(p, 'SIGTERM');
    }
  });

  test('a corrupt store stops startup with a clear message, never an empty start', async () => {
    const dataDir = newDataDir();
    const p = await spawnRelay(processConfig(dataDir));
    await makeSessions(p);
    assert.equal(await stop(p, 'SIGTERM'), 0);
    const store = join(dataDir, 'store');
    for (const f of readdirSync(store).filter((f) => f.startsWith('MANIFEST') || f === 'CURRENT')) writeFileSync(join(store, f), 'garbage\n');
    await assert.rejects(spawnRelay(processConfig(dataDir)), /relaymq: (the store in .* is corrupt|cannot open the store in)/);
  });
});
