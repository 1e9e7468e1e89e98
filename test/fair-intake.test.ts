// Fair intake (src/broker/fair-intake.ts): a client's PUBLISHes beyond its share of an
// event-loop turn wait, in order, without changing what MQTT promises: every message is
// handled once, in order, QoS 2 releases follow their PUBLISH, a DISCONNECT comes after the
// PUBLISHes sent before it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RelayMQ } from '../src/app.ts';
import { PUBLISHES_PER_TURN } from '../src/broker/fair-intake.ts';
import { startTestRelay, connectClient, collect, waitFor } from './helpers.ts';
import { rawClient } from './raw-mqtt.ts';
import { createConnection } from 'node:net';
import mqttPacket from 'mqtt-packet';

const N = 200;

describe('fair intake', { timeout: 60_000 }, () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay({ broker: { mqtt: { max_inflight: 1024, max_mqueue_len: 10_000 } } }); });
  after(() => relay.close());

  test(`a burst of ${N} QoS 1 PUBLISHes and a DISCONNECT (far over ${PUBLISHES_PER_TURN} a turn): every one delivered, in order, before the DISCONNECT takes effect`, async () => {
    const sub = await connectClient(relay);
    const got = collect(sub);
    await sub.subscribeAsync('burst/1', { qos: 1 });
    const p = await rawClient(relay.ports.mqtt!, 'burst-1');
    for (let i = 1; i <= N; i++) p.send({ cmd: 'publish', topic: 'burst/1', payload: Buffer.from(String(i)), qos: 1, messageId: i, retain: false, dup: false });
    p.send({ cmd: 'disconnect' });
    await got.next(N);
    assert.deepEqual(got.messages.map((m) => Number(m.payload)), Array.from({ length: N }, (_, i) => i + 1));
    await sub.endAsync();
  });

  test('QoS 2: PUBRELs sent right behind their PUBLISHes are handled after them; each message exactly once', async () => {
    const sub = await connectClient(relay);
    const got = collect(sub);
    await sub.subscribeAsync('burst/2', { qos: 2 });
    const p = await rawClient(relay.ports.mqtt!, 'burst-2', { version: 5 });
    for (let i = 1; i <= 50; i++) {
      p.send({ cmd: 'publish', topic: 'burst/2', payload: Buffer.from(String(i)), qos: 2, messageId: i, retain: false, dup: false });
      p.send({ cmd: 'pubrel', messageId: i });
    }
    await waitFor(() => p.packets.filter((x) => x.cmd === 'pubcomp').length === 50);
    // A last message, in order behind the others: a late duplicate of any of them would come before it.
    p.send({ cmd: 'publish', topic: 'burst/2', payload: Buffer.from('51'), qos: 2, messageId: 51, retain: false, dup: false });
    p.send({ cmd: 'pubrel', messageId: 51 });
    await waitFor(() => got.messages.some((m) => String(m.payload) === '51'));
    assert.deepEqual(got.messages.map((m) => Number(m.payload)), Array.from({ length: 51 }, (_, i) => i + 1));
    assert.ok(p.packets.filter((x) => x.cmd === 'pubcomp').every((x) => x.reasonCode === undefined || x.reasonCode === 0), 'no PUBREL found its message missing (0x92)');
    p.destroy();
    await sub.endAsync();
  });

  test('a 2000-message flood is handled to the last PUBACK, while another client is answered', async () => {
    const flood = await rawClient(relay.ports.mqtt!, 'flood');
    const other = await rawClient(relay.ports.mqtt!, 'pinger');
    for (let i = 1; i <= 2000; i++) flood.send({ cmd: 'publish', topic: 'flood/x', payload: Buffer.alloc(100), qos: 1, messageId: (i % 65535) + 1, retain: false, dup: false });
    const pong = other.next((x) => x.cmd === 'pingresp');
    other.send({ cmd: 'pingreq' });
    await pong;
    await waitFor(() => flood.packets.filter((x) => x.cmd === 'puback').length === 2000, 20_000, 'all 2000 PUBACKs');
    flood.destroy();
    other.destroy();
  });

  test('PUBLISHes pipelined behind a refused CONNECT are never handled', async () => {
    const own = await startTestRelay({ pluginFiles: { 'rmqtt-acl': 'rules = [["deny", { user = "mallory" }, "connect"], ["allow", "all"]]\n' } });
    try {
      const sub = await connectClient(own);
      const got = collect(sub);
      await sub.subscribeAsync('pipe/#');
      const gen = (p: object) => mqttPacket.generate(p as never);
      const burst = Buffer.concat([
        gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'pipelined', clean: true, keepalive: 60, username: 'mallory' }),
        ...Array.from({ length: 20 }, (_, i) => gen({ cmd: 'publish', topic: 'pipe/x', payload: Buffer.from(`sneak-${i}`), qos: 0, retain: false, dup: false })),
      ]);
      const sock = createConnection(own.ports.mqtt!, '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      let closed = false;
      let answer = Buffer.alloc(0);
      sock.on('data', (d) => { answer = Buffer.concat([answer, d]); });
      sock.on('close', () => { closed = true; });
      sock.on('error', () => {});
      sock.write(burst);
      await waitFor(() => closed, 5000, `the refused connection closed (got ${answer.toString('hex')})`);
      const ok = await connectClient(own);
      await ok.publishAsync('pipe/end', 'end');
      await waitFor(() => got.messages.some((m) => m.topic === 'pipe/end'));
      assert.deepEqual(got.messages.map((m) => m.topic), ['pipe/end']);
      await Promise.all([sub.endAsync(), ok.endAsync()]);
    } finally {
      await own.close();
    }
  });
});

// Back-pressure (flow-control.ts): a subscriber whose queue grows because it acknowledges
// slower than its publishers publish holds those publishers back instead of dropping; a stuck
// one holds nobody for long, and publishers that do not feed it never wait.
describe('back-pressure from slow subscribers', { timeout: 60_000 }, () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay({ broker: { mqtt: { max_inflight: 4, max_mqueue_len: 100 } } }); });
  after(() => relay.close());

  const flood = (p: Awaited<ReturnType<typeof rawClient>>, topic: string, n: number) => {
    for (let i = 1; i <= n; i++) p.send({ cmd: 'publish', topic, payload: Buffer.from(String(i)), qos: 1, messageId: i, retain: false, dup: false });
  };
  const dropped = async () => (await (await fetch(`http://127.0.0.1:${relay.ports.http}/api/v2/metrics/sum`)).json()).data['messages.dropped'];

  test('a slow subscriber that keeps acknowledging gets every message, in order: the publisher waits, nothing is dropped', async () => {
    const before = await dropped();
    const sub = await rawClient(relay.ports.mqtt!, 'slow-acker');
    await sub.subscribe('bp/slow', 1);
    const acking = setInterval(() => { for (const p of sub.publishes.splice(0)) got.push(p) && sub.ack(p.messageId!); }, 5);
    const got: { payload: string }[] = [];
    const pub = await rawClient(relay.ports.mqtt!, 'fast-publisher');
    flood(pub, 'bp/slow', 1000); // ten times the queue, at once
    try {
      await waitFor(() => got.length === 1000, 30_000, `1000 messages (got ${got.length})`);
    } finally {
      clearInterval(acking);
    }
    assert.deepEqual(got.map((p) => Number(p.payload)), Array.from({ length: 1000 }, (_, i) => i + 1));
    assert.equal(await dropped(), before, 'nothing dropped');
    await waitFor(() => pub.packets.filter((x) => x.cmd === 'puback').length === 1000, 5000, 'every PUBACK');
    sub.destroy();
    pub.destroy();
  });

  test('a stuck subscriber holds its publisher at most briefly; others on the topic get everything; other publishers never wait', async () => {
    const stuck = await rawClient(relay.ports.mqtt!, 'stuck-sub'); // never acknowledges
    await stuck.subscribe('bp/shared', 1);
    const healthy = await connectClient(relay, { clientId: 'healthy-sub' });
    const got = collect(healthy);
    await healthy.subscribeAsync('bp/shared', { qos: 1 });
    const other = await connectClient(relay, { clientId: 'other-sub' });
    const otherGot = collect(other);
    await other.subscribeAsync('bp/other', { qos: 1 });

    const pub = await rawClient(relay.ports.mqtt!, 'feeds-stuck');
    flood(pub, 'bp/shared', 500);
    // While that publisher may be held, an unrelated one is served at once.
    const bystander = await connectClient(relay, { clientId: 'bystander-pub' });
    const sent = Date.now();
    await bystander.publishAsync('bp/other', 'prompt', { qos: 1 });
    await otherGot.next(1, 1000);
    assert.ok(Date.now() - sent < 1000, `the unrelated publisher waited ${Date.now() - sent} ms`);

    await got.next(500, 15_000);
    assert.deepEqual(got.messages.map((m) => Number(m.payload)), Array.from({ length: 500 }, (_, i) => i + 1));
    await waitFor(() => pub.packets.filter((x) => x.cmd === 'puback').length === 500, 10_000, 'every PUBACK');
    assert.equal(stuck.publishes.length, 4, 'the stuck subscriber got its window');
    for (const c of [stuck, pub]) c.destroy();
    await Promise.all([healthy.endAsync(), other.endAsync(), bystander.endAsync()]);
  });
});
