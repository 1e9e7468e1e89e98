// What a session keeps and what it must not keep, seen from the wire with real clients on a
// real relay (LevelDB store): stale QoS 2 packet ids, the clean-session reset, queue limits of
// offline sessions (plain and shared), and the DUP flag.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRelay, connectClient, collect, getData, waitFor } from './helpers.ts';
import { rawClient, type RawClient } from './raw-mqtt.ts';
import type { RelayMQ } from '../src/app.ts';

/** Publishes QoS 2 with a chosen packet id; resolves with the PUBREC, without sending PUBREL. */
async function publishQos2(c: RawClient, topic: string, payload: string, messageId: number) {
  const rec = c.next((p) => p.cmd === 'pubrec' && p.messageId === messageId);
  c.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 2, messageId, retain: false, dup: false });
  return rec;
}

/** Publishes QoS 2 and completes the exchange (PUBREL → PUBCOMP). */
async function publishQos2Complete(c: RawClient, topic: string, payload: string, messageId: number) {
  await publishQos2(c, topic, payload, messageId);
  const comp = c.next((p) => p.cmd === 'pubcomp' && p.messageId === messageId);
  c.send({ cmd: 'pubrel', messageId });
  await comp;
}

const closed = (c: RawClient) => waitFor(() => c.closed, 5000, 'socket closed');

describe('sessions: what survives and what does not', { timeout: 60_000 }, () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay({ broker: { mqtt: { max_mqueue_len: 5 } } }); });
  after(() => relay.close());
  const port = () => relay.ports.mqtt!;

  for (const [how, first, second] of [
    ['a clean MQTT 3.1.1 session ends', { clean: true }, { clean: false }],
    ['Clean Start', { clean: false }, { clean: true }],
    ['an MQTT 5 session expires', { version: 5 as const, clean: false, expiry: 1 }, { version: 5 as const, clean: false, expiry: 60 }],
  ] as const) {
    test(`stale QoS 2 ids: after ${how}, a new message reusing the packet id is delivered`, async () => {
      const id = `stale-${first.clean}-${'version' in first ? 5 : 4}`;
      const sub = await connectClient(relay, { clientId: `${id}-sub` });
      await sub.subscribeAsync('stale/#', { qos: 2 });
      const inbox = collect(sub);
      const a = await rawClient(port(), id, first);
      await publishQos2(a, 'stale/x', 'first', 7);
      await inbox.next(1);
      a.destroy(); // PUBREL never sent
      await waitFor(async () => !(await getData(relay, `/api/v2/clients/${id}/online`)));
      if ('expiry' in first) await new Promise((r) => setTimeout(r, 2500));
      const b = await rawClient(port(), id, second);
      await publishQos2Complete(b, 'stale/x', 'second', 7);
      await inbox.next(2);
      assert.deepEqual(inbox.messages.map((m) => m.payload.toString()), ['first', 'second']);
      b.destroy();
      await sub.endAsync();
    });
  }

  test('a persistent session keeps an unreleased QoS 2 message: PUBREL after reconnecting completes it once', async () => {
    const sub = await connectClient(relay, { clientId: 'keep-sub' });
    await sub.subscribeAsync('keep/#', { qos: 2 });
    const inbox = collect(sub);
    const a = await rawClient(port(), 'keeper', { clean: false });
    await publishQos2(a, 'keep/x', 'once', 9);
    a.destroy();
    await waitFor(async () => !(await getData(relay, '/api/v2/clients/keeper/online')));
    const b = await rawClient(port(), 'keeper', { clean: false });
    // The client resends the PUBLISH (DUP) as MQTT requires, then releases it.
    await publishQos2(b, 'keep/x', 'once', 9);
    const comp = b.next((p) => p.cmd === 'pubcomp');
    b.send({ cmd: 'pubrel', messageId: 9 });
    await comp;
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(inbox.messages.map((m) => m.payload.toString()), ['once']);
    b.destroy();
    await sub.endAsync();
  });

  for (const mode of ['CONNECT and DISCONNECT in one write', 'socket closed on CONNACK'] as const) {
    test(`clean-session reset is complete before the CONNACK (${mode})`, async () => {
      const id = `reset-${mode.length}`;
      const old = await rawClient(port(), id, { clean: false });
      await old.subscribe('reset/#', 1);
      old.destroy();
      await waitFor(async () => !(await getData(relay, `/api/v2/clients/${id}/online`)));
      const pub = await connectClient(relay, { clientId: `${id}-pub` });
      for (let i = 0; i < 3; i++) await pub.publishAsync('reset/x', `old${i}`, { qos: 1 });
      assert.equal((await getData(relay, `/api/v2/clients/${id}`)).mqueue_len, 3);

      const clean = await rawClient(port(), id, { clean: true, connect: {} });
      if (mode === 'CONNECT and DISCONNECT in one write') clean.send({ cmd: 'disconnect' });
      clean.destroy();
      await waitFor(async () => (await getData(relay, '/api/v2/clients?connected=true')).every((c: any) => c.clientid !== id));

      const again = await rawClient(port(), id, { clean: false });
      assert.equal(again.connack!.sessionPresent, false, 'the previous session is gone');
      await again.subscribe('reset/#', 1);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(again.publishes.map((p) => p.payload), [], 'none of its queued messages');
      again.destroy();
      await pub.endAsync();
    });
  }

  test('max_mqueue_len bounds an offline session: the oldest are dropped and counted', async () => {
    const s = await rawClient(port(), 'offline-q', { clean: false });
    await s.subscribe('oq/#', 1);
    s.destroy();
    await waitFor(async () => !(await getData(relay, '/api/v2/clients/offline-q/online')));
    const dropped = (await getData(relay, '/api/v2/metrics/1')).metrics['messages.dropped'];
    const pub = await connectClient(relay, { clientId: 'oq-pub' });
    for (let i = 0; i < 12; i++) await pub.publishAsync('oq/x', `m${i}`, { qos: 1 });
    const row = await getData(relay, '/api/v2/clients/offline-q');
    assert.deepEqual([row.mqueue_len, row.max_mqueue], [5, 5]);
    assert.equal((await getData(relay, '/api/v2/metrics/1')).metrics['messages.dropped'] - dropped, 7);
    const back = await connectClient(relay, { clientId: 'offline-q', clean: false });
    const inbox = collect(back);
    await inbox.next(5);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(inbox.messages.map((m) => m.payload.toString()), ['m7', 'm8', 'm9', 'm10', 'm11']);
    await Promise.all([back.endAsync(), pub.endAsync()]);
  });

  test('max_mqueue_len bounds an offline shared-subscription member too', async () => {
    const m = await rawClient(port(), 'shared-off', { clean: false });
    await m.subscribe('$share/g1/sq/#', 1);
    m.destroy();
    await waitFor(async () => !(await getData(relay, '/api/v2/clients/shared-off/online')));
    const pub = await connectClient(relay, { clientId: 'sq-pub' });
    for (let i = 0; i < 9; i++) await pub.publishAsync('sq/x', `s${i}`, { qos: 1 });
    assert.equal((await getData(relay, '/api/v2/clients/shared-off')).mqueue_len, 5);
    const back = await connectClient(relay, { clientId: 'shared-off', clean: false });
    const inbox = collect(back);
    await inbox.next(5);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(inbox.messages.map((x) => x.payload.toString()), ['s4', 's5', 's6', 's7', 's8']);
    await Promise.all([back.endAsync(), pub.endAsync()]);
  });

  test('DUP: 0 on first delivery even when the publisher set it, 1 on every redelivery [MQTT-3.3.1-1/-3]', async () => {
    const s = await rawClient(port(), 'dup-sub', { clean: false });
    await s.subscribe('dup/#', 1);
    const p = await rawClient(port(), 'dup-pub');
    for (let i = 1; i <= 3; i++) {
      const ack = p.next((x) => x.cmd === 'puback' && x.messageId === i);
      p.send({ cmd: 'publish', topic: 'dup/x', payload: Buffer.from(`d${i}`), qos: 1, messageId: i, dup: i === 2, retain: false });
      await ack;
    }
    await waitFor(() => s.publishes.length === 3);
    assert.deepEqual(s.publishes.map((x) => x.dup), [false, false, false]);
    s.destroy(); // never acknowledged
    await closed(s);
    await waitFor(async () => !(await getData(relay, '/api/v2/clients/dup-sub/online')));
    const again = await rawClient(port(), 'dup-sub', { clean: false });
    await waitFor(() => again.publishes.length === 3);
    assert.deepEqual(again.publishes.map((x) => [x.payload, x.dup]), [['d1', true], ['d2', true], ['d3', true]]);
    const ack = p.next((x) => x.cmd === 'puback' && x.messageId === 4);
    p.send({ cmd: 'publish', topic: 'dup/x', payload: Buffer.from('d4'), qos: 1, messageId: 4, dup: false, retain: false });
    await ack;
    await waitFor(() => again.publishes.length === 4);
    assert.equal(again.publishes[3].dup, false, 'a new message is a first delivery');
    again.destroy();
    p.destroy();
  });
});
