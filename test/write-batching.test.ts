// Writes to one client within one event-loop turn leave in one system call
// (src/broker/write-batching.ts). Counted on the broker's side of real sockets: each flush of a
// socket is one call of its _write or _writev.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RelayMQ } from '../src/app.ts';
import { startTestRelay, waitFor, http } from './helpers.ts';
import { rawClient } from './raw-mqtt.ts';

/** Counts the flushes of the broker's socket to this client from now on. */
function flushesTo(relay: RelayMQ, clientid: string): { count: number } {
  const conn = (relay.broker as unknown as { clients: Record<string, { conn: Record<string, (...a: unknown[]) => unknown> }> }).clients[clientid].conn;
  const counter = { count: 0 };
  for (const name of ['_write', '_writev']) {
    const original = conn[name];
    if (typeof original !== 'function') continue;
    conn[name] = function (this: unknown, ...args: unknown[]) {
      counter.count++;
      return original.apply(this, args);
    };
  }
  return counter;
}

describe('write batching', { timeout: 30_000 }, () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay(); });
  after(async () => { await relay.close(); });

  test('a burst of QoS 1 PUBLISHes reaches the subscriber in one write, and their PUBACKs the publisher in one', async () => {
    const port = relay.ports.mqtt!;
    const sub = await rawClient(port, 'wb-sub');
    await sub.subscribe('wb/#', 1);
    const pub = await rawClient(port, 'wb-pub');
    const toSub = flushesTo(relay, 'wb-sub');
    const toPub = flushesTo(relay, 'wb-pub');
    const n = 12; // fewer than a client's PUBLISHes per turn (fair-intake.ts) and than the window
    pub.sendAll(Array.from({ length: n }, (_, i) => ({
      cmd: 'publish', topic: `wb/${i}`, payload: Buffer.from(String(i)), qos: 1, messageId: i + 1, retain: false, dup: false,
    })));
    await waitFor(() => sub.publishes.length === n && pub.packets.filter((p) => p.cmd === 'puback').length === n, 5000, 'every message and PUBACK');
    assert.deepEqual(sub.publishes.map((p) => p.payload), Array.from({ length: n }, (_, i) => String(i)), 'in order');
    // One turn's deliveries in one write; the PUBACKs in at most two (some are written in the next turn).
    assert.equal(toSub.count, 1, `${toSub.count} writes to the subscriber`);
    assert.ok(toPub.count <= 2, `${toPub.count} writes to the publisher`);
    sub.destroy();
    pub.destroy();
  });

  test('QoS 0 fan-out: a burst reaches each subscriber in one write, whole and in order', async () => {
    const port = relay.ports.mqtt!;
    const subs = await Promise.all([1, 2, 3].map((i) => rawClient(port, `wb-fan-${i}`)));
    for (const s of subs) await s.subscribe('fan/#', 0);
    const pub = await rawClient(port, 'wb-fan-pub');
    const flushes = subs.map((_, i) => flushesTo(relay, `wb-fan-${i + 1}`));
    const n = 10;
    pub.sendAll(Array.from({ length: n }, (_, i) => ({ cmd: 'publish', topic: `fan/${i}`, payload: Buffer.from(`m${i}`), qos: 0, retain: false, dup: false })));
    await waitFor(() => subs.every((s) => s.publishes.length === n), 5000, 'every subscriber has the burst');
    for (const s of subs) assert.deepEqual(s.publishes.map((p) => p.payload), Array.from({ length: n }, (_, i) => `m${i}`));
    for (const f of flushes) assert.equal(f.count, 1, `${f.count} writes for ${n} messages`);
    for (const c of [...subs, pub]) c.destroy();
  });

  test('a client that goes away with writes still corked costs nothing: the others carry on', async () => {
    const port = relay.ports.mqtt!;
    const gone = await rawClient(port, 'wb-gone');
    await gone.subscribe('gone/#', 1);
    const stays = await rawClient(port, 'wb-stays');
    await stays.subscribe('gone/#', 1);
    const pub = await rawClient(port, 'wb-pub2');
    pub.sendAll(Array.from({ length: 8 }, (_, i) => ({
      cmd: 'publish', topic: `gone/${i}`, payload: Buffer.from(String(i)), qos: 1, messageId: i + 1, retain: false, dup: false,
    })));
    gone.destroy(); // while the broker writes to it
    await waitFor(() => stays.publishes.length === 8, 5000, 'the remaining subscriber gets all');
    const r = await http(relay, 'GET', '/api/v2/brokers');
    assert.equal(r.status, 200);
    stays.destroy();
    pub.destroy();
  });
});
