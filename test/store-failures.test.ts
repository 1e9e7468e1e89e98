// The store when things go wrong, as an operator meets it: a full disk (a small tmpfs), damaged
// LevelDB files (.log zeroed, .ldb overwritten with random bytes), and a store written by
// relaymq 0.1 in the old format.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import mqtt from 'mqtt';
import { startTestRelay, getData, waitFor, collect, connectMqtt, http } from './helpers.ts';
import { spawnRelay, processConfig, newDataDir, type RelayProcess } from './process.ts';
import { rawClient } from './raw-mqtt.ts';

const stop = async (p: RelayProcess) => { p.child.kill('SIGTERM'); await p.exited; };
const connect = (p: RelayProcess, opts: mqtt.IClientOptions) => connectMqtt(`mqtt://127.0.0.1:${p.ports.mqtt}`, opts);

/** A small tmpfs, or why there cannot be one here. */
function mountTmpfs(sizeKb: number): { dir: string; unmount(): void } | string {
  const dir = mkdtempSync(join(tmpdir(), 'relaymq-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    return `cannot mount a tmpfs here (${(e as Error).message.split('\n')[0]})`;
  }
  return { dir, unmount: () => execFileSync('umount', ['-l', dir]) };
}

/** Fills the filesystem of `dir` until a write fails; returns the filler to delete. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const chunk = Buffer.alloc(16 * 1024, 1);
  let data = Buffer.alloc(0);
  try {
    for (let i = 0; i < 100_000; i++) { data = Buffer.concat([data, chunk]); writeFileSync(filler, data); }
  } catch { /* full */ }
  try {
    for (let i = 0; i < 1000; i++) writeFileSync(filler, Buffer.from('x'), { flag: 'a' });
  } catch { /* full to the byte */ }
  return filler;
}

describe('store failures', { timeout: 180_000 }, () => {
  const tmpfs = mountTmpfs(2048);
  test('disk full: refused publishes are not acknowledged, /nodes says Degraded, and the broker recovers on its own', { skip: typeof tmpfs === 'string' ? tmpfs : false }, async () => {
    const { dir, unmount } = tmpfs as Exclude<typeof tmpfs, string>;
    const relay = await startTestRelay({ broker: { persistence: { data_dir: dir } } });
    try {
      const sub = await rawClient(relay.ports.mqtt!, 'df-sub', { clean: false });
      await sub.subscribe('df/#', 1);
      sub.destroy();
      await waitFor(async () => !(await getData(relay, '/api/v2/clients/df-sub/online')));
      const p5 = await rawClient(relay.ports.mqtt!, 'df-pub5', { version: 5 });
      const p3 = await rawClient(relay.ports.mqtt!, 'df-pub3');
      const filler = fill(dir);
      const dropped = (await getData(relay, '/api/v2/metrics/1')).metrics['messages.dropped'];

      // Payloads larger than a page: tmpfs accepts writes into a page it has already allocated.
      const big = (s: string) => Buffer.concat([Buffer.from(s), Buffer.alloc(16 * 1024, '.')]);
      p5.send({ cmd: 'publish', topic: 'df/a', payload: big('refused-1'), qos: 1, messageId: 1, retain: false, dup: false });
      assert.equal((await p5.next((x) => x.cmd === 'puback' && x.messageId === 1)).reasonCode, 0x80, 'MQTT 5: PUBACK 0x80');
      p5.send({ cmd: 'publish', topic: 'df/a', payload: big('refused-2'), qos: 2, messageId: 2, retain: false, dup: false });
      assert.equal((await p5.next((x) => x.cmd === 'pubrec' && x.messageId === 2)).reasonCode, 0x80, 'MQTT 5: PUBREC 0x80, no hang');
      p3.send({ cmd: 'publish', topic: 'df/a', payload: big('refused-3'), qos: 1, messageId: 1, retain: false, dup: false });
      await waitFor(() => p3.closed, 5000, 'MQTT 3.1.1 publisher disconnected');
      assert.equal(p3.packets.some((x) => x.cmd === 'puback'), false);
      const subscriber = await rawClient(relay.ports.mqtt!, 'df-new', { version: 5, clean: false, expiry: 300 });
      subscriber.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x', qos: 1 }] });
      assert.deepEqual((await subscriber.next((x) => x.cmd === 'suback')).granted, [0x80], 'a persistent SUBSCRIBE is refused, not left unanswered');

      assert.equal((await getData(relay, '/api/v2/metrics/1')).metrics['messages.dropped'] - dropped, 3, 'each refused message counts as dropped');
      const viaApi = await http(relay, 'POST', '/api/v2/mqtt/publish', { body: { topic: 'df/a', payload: 'x'.repeat(20_000), qos: 1 } });
      assert.deepEqual([viaApi.status, viaApi.json.code], [503, 503], 'the HTTP API says the store is unavailable');
      assert.match(viaApi.json.msg, /store is unavailable/);
      const node = (await getData(relay, '/api/v2/nodes'))[0];
      assert.deepEqual([node.node_status, node.running], ['Degraded', false]);
      assert.equal((await getData(relay, '/api/v2/brokers/1')).node_status, 'Degraded');
      const ready = await http(relay, 'GET', '/api/v2/health/ready');
      assert.equal(ready.status, 503, 'not ready while the store refuses writes');
      assert.match(ready.json.msg, /^not ready: the store is unavailable/);

      rmSync(filler);
      await waitFor(async () => (await getData(relay, '/api/v2/nodes/1')).node_status === 'Running', 10_000, 'recovery without a restart');
      assert.equal((await http(relay, 'GET', '/api/v2/health/ready')).status, 200, 'ready again');
      p5.send({ cmd: 'publish', topic: 'df/a', payload: Buffer.from('accepted'), qos: 1, messageId: 3, retain: false, dup: false });
      assert.equal((await p5.next((x) => x.cmd === 'puback' && x.messageId === 3)).reasonCode, 0);
      const back = await rawClient(relay.ports.mqtt!, 'df-sub', { clean: false });
      await waitFor(() => back.publishes.length >= 1);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(back.publishes.map((x) => x.payload), ['accepted'], 'nothing refused was kept; what was accepted was');
      for (const c of [back, p5, subscriber]) c.destroy();
    } finally {
      await relay.close();
      unmount();
    }
  });

  /** A store with a persistent session, queued messages and a retained one, stopped gracefully. */
  async function populated(dataDir: string): Promise<void> {
    const p = await spawnRelay(processConfig(dataDir));
    const sub = await connect(p, { clientId: 'c-sub', clean: false });
    await sub.subscribeAsync('c/#', { qos: 1 });
    await sub.endAsync();
    const pub = await connect(p, { clientId: 'c-pub' });
    for (let i = 0; i < 200; i++) await pub.publishAsync('c/x', `payload-${i}-${'z'.repeat(200)}`, { qos: 1 });
    await pub.publishAsync('c/retained', 'kept', { qos: 1, retain: true });
    await pub.endAsync();
    await stop(p);
  }

  test('a damaged .log: startup refuses with one line naming the directory, also on the next start; repair = true starts and reports', async () => {
    const dataDir = newDataDir();
    await populated(dataDir);
    const store = join(dataDir, 'store');
    const log = readdirSync(store).find((f) => f.endsWith('.log'))!;
    const buf = readFileSync(join(store, log));
    buf.fill(0, Math.floor(buf.length / 3), Math.floor(buf.length / 3) + 600);
    writeFileSync(join(store, log), buf);
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(spawnRelay(processConfig(dataDir)), (e: Error) => {
        const line = e.message.split('\n').find((l) => l.startsWith('relaymq:'))!;
        assert.match(line, new RegExp(`relaymq: the store in ${store} is corrupt \\(LevelDB dropped damaged records.*persistence.repair = true`));
        return true;
      });
    }
    const p = await spawnRelay(processConfig(dataDir, 'repair = true\n'));
    try {
      assert.match(p.output(), /store corrupt: repairing/);
      assert.match(p.output(), /store repaired/);
      const rows = (await p.api('/clients')).data;
      assert.equal(rows.length, 1, 'the session survived');
      assert.ok(rows[0].mqueue_len < 200, 'what LevelDB dropped is gone');
    } finally {
      await stop(p);
    }
  });

  test('a damaged .ldb: startup refuses; repair = true drops what cannot be read and starts', async () => {
    const dataDir = newDataDir();
    await populated(dataDir);
    await stop(await spawnRelay(processConfig(dataDir))); // opening turns the log into a table (.ldb)
    const store = join(dataDir, 'store');
    const table = readdirSync(store).find((f) => f.endsWith('.ldb'));
    assert.ok(table, 'a table file exists');
    const buf = readFileSync(join(store, table));
    randomBytes(800).copy(buf, Math.floor(buf.length / 2));
    writeFileSync(join(store, table), buf);
    await assert.rejects(spawnRelay(processConfig(dataDir)), /relaymq: the store in .* is corrupt \(.*\); set persistence.repair = true/);
    const p = await spawnRelay(processConfig(dataDir, 'repair = true\n'));
    try {
      assert.match(p.output(), /store repaired/);
      assert.equal((await p.api('/brokers/1')).data.node_status, 'Running');
    } finally {
      await stop(p);
    }
    assert.equal(existsSync(join(store, 'RELAYMQ-CORRUPT')), false);
  });

  test('upgrade: a store written by relaymq 0.1 (aedes-persistence-level) is read with nothing lost', async () => {
    const dataDir = newDataDir();
    await writeLegacyStore(join(dataDir, 'store'));
    const p = await spawnRelay(processConfig(dataDir));
    try {
      assert.match(p.output(), /store migrated from the relaymq 0.1 format/);
      const row = (await p.api('/clients/legacy')).data;
      assert.deepEqual([row.connected, row.mqueue_len, row.created_at.slice(0, 4), row.subscriptions_cnt], [false, 6, '2023', 2]);
      const back = await rawClient(p.ports.mqtt, 'legacy', { clean: false });
      await waitFor(() => back.publishes.length === 6);
      // All six in the old store's order; the one that was in flight is resent with DUP.
      assert.deepEqual(back.publishes.map((x) => [x.payload, x.dup]), [
        ['inflight', true], ['old-0', false], ['old-1', false], ['old-2', false], ['old-3', false], ['after-restart', false],
      ]);
      const comp = back.next((x) => x.cmd === 'pubcomp' && x.messageId === 42);
      back.send({ cmd: 'pubrel', messageId: 42 }); // the QoS 2 message it sent before the upgrade
      await comp;
      const late = await connect(p, { clientId: 'late' });
      const inbox = collect(late);
      await late.subscribeAsync('legacy/retained', { qos: 1 });
      assert.equal((await inbox.next(1))[0].payload.toString(), 'retained-v01');
      await late.endAsync();
      back.destroy();
    } finally {
      await stop(p);
    }
  });
});

/** Writes a store exactly as relaymq 0.1 did: aedes-persistence-level under `mqtt`, JSON session records under `sessions`. */
async function writeLegacyStore(dir: string): Promise<void> {
  const LegacyPersistence = createRequire(import.meta.url)('aedes-persistence-level/asyncPersistence.js');
  const db = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
  await db.open();
  const p = new LegacyPersistence(db.sublevel('mqtt', { valueEncoding: 'buffer' }));
  await p.setup({ id: '1@legacy', counter: 0 });
  const client = { id: 'legacy' };
  await p.addSubscriptions(client, [{ topic: 'legacy/#', qos: 1 }, { topic: 'other', qos: 2 }]);
  const msg = (payload: string, counter: number) => ({ cmd: 'publish', topic: 'legacy/t', payload: Buffer.from(payload), qos: 1, retain: false, dup: false, brokerId: '1@legacy', brokerCounter: counter });
  await p.outgoingEnqueueCombi([{ clientId: 'legacy' }], msg('inflight', 1));
  await p.outgoingUpdate(client, { ...msg('inflight', 1), messageId: 7 });
  for (let i = 0; i < 4; i++) await p.outgoingEnqueueCombi([{ clientId: 'legacy' }], msg(`old-${i}`, i + 2));
  await p.outgoingEnqueueCombi([{ clientId: 'legacy' }], msg('after-restart', 9));
  await p.storeRetained({ cmd: 'publish', topic: 'legacy/retained', payload: Buffer.from('retained-v01'), qos: 1, retain: true, brokerId: '1@legacy', brokerCounter: 10 });
  await p.incomingStorePacket(client, { cmd: 'publish', topic: 'legacy/in', payload: Buffer.from('q2'), qos: 2, messageId: 42 });
  const sessions = db.sublevel<string, object>('sessions', { valueEncoding: 'json' });
  await sessions.put('legacy', {
    clientid: 'legacy', username: null, proto_ver: 4, ip_address: '127.0.0.1', port: 5000, local_address: '127.0.0.1', local_port: 1883,
    connected: false, connected_at: Date.now() - 120_000, disconnected_at: Date.now() - 60_000, disconnected_reason: 'client disconnected',
    keepalive: 60, clean_start: false, session_present: false, expiry_interval: 7200, persistent: true, created_at: 1_690_000_000_000,
    last_will: null, subscriptions: { 'legacy/#': 1, other: 2 },
  });
  await db.close();
}
