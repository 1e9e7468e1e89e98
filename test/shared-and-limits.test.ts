// Shared subscriptions ($share/<group>/<filter>) for MQTT 3.1.1 and 5 members, and the session
// limits max_inflight, max_mqueue_len and max_subscriptions, enforced and visible in /clients.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRelay, http, getData, connectClient, collect, waitFor } from './helpers.ts';
import { rawClient } from './raw-mqtt.ts';
import type { RelayMQ } from '../src/app.ts';

describe('shared subscriptions', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay(); });
  after(() => relay.close());

  test('MQTT 5 CONNACK advertises sharedSubscriptionAvailable', async () => {
    const raw = await rawClient(relay.ports.mqtt!, 'adv', { version: 5 });
    assert.equal(raw.connack?.properties?.sharedSubscriptionAvailable, true);
    raw.destroy();
  });

  test('N messages over K members of mixed protocols: each exactly once, round-robin, QoS honoured', async () => {
    const members = await Promise.all([
      connectClient(relay, { clientId: 'm1', protocolVersion: 5 }),
      connectClient(relay, { clientId: 'm2', protocolVersion: 4 }),
      connectClient(relay, { clientId: 'm3', protocolVersion: 5, transport: 'ws' }),
    ]);
    const inboxes = members.map(collect);
    await members[0].subscribeAsync('$share/workers/jobs/+', { qos: 1 });
    await members[1].subscribeAsync('$share/workers/jobs/+', { qos: 1 });
    await members[2].subscribeAsync('$share/workers/jobs/+', { qos: 0 });
    const plain = await connectClient(relay, { clientId: 'observer', protocolVersion: 5 });
    const all = collect(plain);
    await plain.subscribeAsync('jobs/+', { qos: 1 });

    const pub = await connectClient(relay, { clientId: 'producer', protocolVersion: 4 });
    const N = 30;
    for (let i = 0; i < N; i++) await pub.publishAsync(`jobs/${i}`, String(i), { qos: 1 });
    await all.next(N);
    await waitFor(() => inboxes.reduce((n, b) => n + b.messages.length, 0) >= N, 5000, 'all shared deliveries');
    await new Promise((r) => setTimeout(r, 200)); // no extra copies arrive late
    const got = inboxes.flatMap((b) => b.messages.map((m) => m.payload.toString()));
    assert.equal(got.length, N);
    assert.deepEqual([...got].sort((a, b) => +a - +b), Array.from({ length: N }, (_, i) => String(i)));
    assert.deepEqual(inboxes.map((b) => b.messages.length), [10, 10, 10]);
    assert.ok(inboxes[0].messages.every((m) => m.packet.qos === 1));
    assert.ok(inboxes[2].messages.every((m) => m.packet.qos === 0), 'member subscribed at QoS 0 gets QoS 0');

    const shared = await getData(relay, '/api/v2/subscriptions?share=workers');
    assert.deepEqual(shared.map((s: any) => s.clientid).sort(), ['m1', 'm2', 'm3']);
    assert.ok(shared.every((s: any) => s.topic === 'jobs/+'));
    await Promise.all([...members, plain, pub].map((c) => c.endAsync()));
  });

  test("a member that leaves stops receiving; its unacknowledged messages go to another member", async () => {
    const holder = await rawClient(relay.ports.mqtt!, 'holder', { version: 5 });
    assert.deepEqual(await holder.subscribe('$share/g2/work/#', 1), [1]);
    const worker = await connectClient(relay, { clientId: 'worker', protocolVersion: 4 });
    const inbox = collect(worker);
    await worker.subscribeAsync('$share/g2/work/#', { qos: 1 });
    const pub = await connectClient(relay, { clientId: 'p2', protocolVersion: 5 });
    for (let i = 0; i < 6; i++) await pub.publishAsync(`work/${i}`, `w${i}`, { qos: 1 });
    await waitFor(() => holder.publishes.length + inbox.messages.length >= 6, 5000, '6 deliveries');
    const held = holder.publishes.map((p) => p.payload);
    assert.equal(held.length, 3);
    assert.equal((await getData(relay, '/api/v2/clients/holder')).inflight, 3);

    holder.destroy(); // never acknowledged
    await inbox.next(6);
    assert.deepEqual(inbox.messages.map((m) => m.payload.toString()).sort(), ['w0', 'w1', 'w2', 'w3', 'w4', 'w5']);

    for (let i = 6; i < 9; i++) await pub.publishAsync(`work/${i}`, `w${i}`, { qos: 1 });
    await inbox.next(9);
    await Promise.all([worker.endAsync(), pub.endAsync()]);
  });

  test('with no member connected, a persistent member gets the messages queued', async () => {
    const m = await connectClient(relay, { clientId: 'sleepy', protocolVersion: 4, clean: false });
    await m.subscribeAsync('$share/g3/q/#', { qos: 1 });
    await m.endAsync();
    const pub = await connectClient(relay, { clientId: 'p3', protocolVersion: 4 });
    await pub.publishAsync('q/1', 'one', { qos: 1 });
    await pub.endAsync();
    assert.equal((await getData(relay, '/api/v2/clients/sleepy')).mqueue_len, 1);
    const back = await connectClient(relay, { clientId: 'sleepy', protocolVersion: 4, clean: false });
    const [msg] = await collect(back).next(1);
    assert.equal(msg.payload.toString(), 'one');
    await back.endAsync();
  });
});

describe('session limits', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay({ broker: { mqtt: { max_inflight: 3, max_mqueue_len: 4, max_subscriptions: 2 } } }); });
  after(() => relay.close());

  test('max_inflight and max_mqueue_len: 3 in flight, 4 queued, the oldest queued dropped; acks release the queue', async () => {
    const slow = await rawClient(relay.ports.mqtt!, 'slow');
    await slow.subscribe('flow/#', 1);
    const pub = await connectClient(relay, { clientId: 'fast', protocolVersion: 4 });
    for (let i = 0; i < 10; i++) await pub.publishAsync(`flow/${i}`, `m${i}`, { qos: 1 });
    await waitFor(() => slow.publishes.length >= 3);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(slow.publishes.length, 3);
    const row = await getData(relay, '/api/v2/clients/slow');
    assert.deepEqual([row.inflight, row.max_inflight, row.mqueue_len, row.max_mqueue], [3, 3, 4, 4]);
    assert.deepEqual((await getData(relay, '/api/v2/clients?_gte_mqueue_len=4')).map((c: any) => c.clientid), ['slow']);

    for (const p of [...slow.publishes]) slow.ack(p.messageId!);
    await waitFor(() => slow.publishes.length >= 6);
    for (const p of slow.publishes.slice(3)) slow.ack(p.messageId!);
    await waitFor(() => slow.publishes.length >= 7);
    await new Promise((r) => setTimeout(r, 200));
    // As RMQTT does for QoS 1/2: a full queue drops its oldest message (m3, m4, m5) for the newest.
    assert.deepEqual(slow.publishes.map((p) => p.payload), ['m0', 'm1', 'm2', 'm6', 'm7', 'm8', 'm9']);
    assert.equal(new Set(slow.publishes.map((p) => p.messageId)).size, 7);
    assert.equal((await getData(relay, '/api/v2/metrics/1')).metrics['messages.dropped'], 3, 'the 3 over the queue limit');
    slow.destroy();
    await pub.endAsync();
  });

  test('QoS 0 messages passing queued QoS 1 ones cost none of them (Aedes patch 020)', async () => {
    const slow = await rawClient(relay.ports.mqtt!, 'slow-mixed');
    await slow.subscribe('mixed/#', 1);
    const pub = await connectClient(relay, { clientId: 'mixed-pub' });
    for (let i = 0; i < 5; i++) await pub.publishAsync(`mixed/${i}`, `q1-${i}`, { qos: 1 }); // 3 in flight, 2 queued
    for (let i = 0; i < 2; i++) await pub.publishAsync(`mixed/0/${i}`, `q0-${i}`, { qos: 0 }); // not held by the window
    await waitFor(() => slow.publishes.length >= 5);
    assert.deepEqual(slow.publishes.map((p) => p.payload), ['q1-0', 'q1-1', 'q1-2', 'q0-0', 'q0-1']);
    for (const p of slow.publishes.filter((x) => x.qos > 0)) slow.ack(p.messageId!);
    await waitFor(() => slow.publishes.length >= 7, 2000, 'the queued QoS 1 messages, numbered before the QoS 0 ones');
    assert.deepEqual(slow.publishes.slice(5).map((p) => p.payload), ['q1-3', 'q1-4']);
    slow.destroy();
    await pub.endAsync();
  });

  test('max_subscriptions: the third filter is refused, and the refusal is not stored', async () => {
    const c = await rawClient(relay.ports.mqtt!, 'subber', { clean: false });
    assert.deepEqual(await c.subscribe('a/1', 1), [1]);
    assert.deepEqual(await c.subscribe('a/2', 0), [0]);
    assert.deepEqual(await c.subscribe('a/3', 1), [0x80]);
    assert.deepEqual(await c.subscribe('a/1', 2), [2], 're-subscribing an existing filter is not a new one');
    assert.equal((await getData(relay, '/api/v2/clients/subber')).subscriptions_cnt, 2);
    const viaHttp = await http(relay, 'POST', '/api/v2/mqtt/subscribe', { body: { topic: 'a/4', clientid: 'subber' } });
    assert.deepEqual(viaHttp.json.data, { 'a/4': false });
    c.destroy();
    await waitFor(async () => (await getData(relay, '/api/v2/clients/subber')).connected === false);
    const offline = await http(relay, 'POST', '/api/v2/mqtt/subscribe', { body: { topic: 'a/5', clientid: 'subber' } });
    assert.deepEqual(offline.json.data, { 'a/5': false }, 'the limit holds for an offline session too');
    const back = await rawClient(relay.ports.mqtt!, 'subber', { clean: false });
    assert.equal(back.connack?.sessionPresent, true);
    const subs = (await getData(relay, '/api/v2/subscriptions/subber')).map((s: any) => s.topic).sort();
    assert.deepEqual(subs, ['a/1', 'a/2']);
    back.destroy();
  });
});
