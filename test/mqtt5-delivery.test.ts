// MQTT 5.0 delivery rules, tested from the standard's normative statements (section numbers
// in the test names) with three clients: mqtt.js, a bare client that shows the packets as sent
// (raw-mqtt.ts), and Paho's Python client (paho.ts), written independently of the other two.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RelayMQ } from '../src/app.ts';
import { startTestRelay, connectClient, collect, getData, waitFor } from './helpers.ts';
import { rawClient } from './raw-mqtt.ts';
import { paho, pahoAvailable } from './clients/paho.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dropped = async (relay: RelayMQ) => (await getData(relay, '/api/v2/metrics/1')).metrics['messages.dropped'] as number;

describe('MQTT 5 delivery', { timeout: 120_000 }, () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay(); });
  after(() => relay.close());

  test('3.1.3.2.2, 3.3.2.3: a will is published after its delay without Will Delay Interval (mqtt.js and Paho get it)', { skip: !pahoAvailable && 'python3-paho-mqtt missing' }, async () => {
    const p = paho({ port: relay.ports.mqtt, client_id: 'will-paho', subscribe: [['will/#', 0]], expect: 1, wait: 8 });
    await p.ready;
    const sub = await connectClient(relay, { protocolVersion: 5 });
    const got = collect(sub);
    await sub.subscribeAsync('will/#');
    const w = await rawClient(relay.ports.mqtt!, 'will-owner', {
      version: 5, expiry: 30,
      connect: { will: { topic: 'will/owner', payload: Buffer.from('gone'), qos: 1, retain: false, properties: { willDelayInterval: 1, contentType: 'text/plain' } } },
    });
    const lostAt = Date.now();
    w.destroy();
    const [msg] = await got.next(1, 5000);
    assert.ok(Date.now() - lostAt >= 900, 'published after the Will Delay Interval');
    assert.equal(msg.packet.properties?.willDelayInterval, undefined);
    assert.equal(msg.packet.properties?.contentType, 'text/plain');
    const r = await p.done;
    assert.deepEqual(r.messages.map((m) => [m.topic, m.payload]), [['will/owner', 'gone']]);
    await sub.endAsync();
  });

  test('3.14.2.2.2: a DISCONNECT\'s Session Expiry Interval replaces the CONNECT\'s', async () => {
    const c = await connectClient(relay, { protocolVersion: 5, clientId: 'se-1', properties: { sessionExpiryInterval: 1 } });
    await c.subscribeAsync('se/t', { qos: 1 });
    await c.endAsync(false, { properties: { sessionExpiryInterval: 5 } } as never);
    await waitFor(async () => (await getData(relay, '/api/v2/clients/se-1')).connected === false);
    assert.equal((await getData(relay, '/api/v2/clients/se-1')).expiry_interval, 5);
    const pub = await connectClient(relay);
    await pub.publishAsync('se/t', 'kept', { qos: 1 });
    await sleep(3000);
    const back = await rawClient(relay.ports.mqtt!, 'se-1', { version: 5, clean: false, expiry: 5 });
    assert.equal(back.connack!.sessionPresent, true, 'present 3 s later: the 5 s from DISCONNECT apply, not the 1 s from CONNECT');
    await waitFor(() => back.publishes.length === 1);
    assert.equal(back.publishes[0].payload, 'kept');
    back.destroy();
    await pub.endAsync();
  });

  test('3.14.2.2.2: DISCONNECT with a Session Expiry Interval after CONNECT had 0 is a Protocol Error: the will is published, no session kept', async () => {
    const sub = await connectClient(relay, { protocolVersion: 5 });
    const got = collect(sub);
    await sub.subscribeAsync('pe/will');
    const c = await rawClient(relay.ports.mqtt!, 'pe-1', { version: 5, connect: { will: { topic: 'pe/will', payload: Buffer.from('w'), qos: 0, retain: false } } });
    c.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 60 } });
    const disconnect = await c.next((p) => p.cmd === 'disconnect');
    assert.equal(disconnect.reasonCode, 0x82);
    await got.next(1);
    await waitFor(async () => (await getData(relay, '/api/v2/clients?clientid=pe-1')).length === 0, 3000, 'no session kept');
    await sub.endAsync();
  });

  test('3.3.4, 4.9: at most the client\'s Receive Maximum of QoS 1 messages unacknowledged, also for stored ones resent', async () => {
    const c = await rawClient(relay.ports.mqtt!, 'rm-1', { version: 5, expiry: 60, connect: { properties: { receiveMaximum: 2, sessionExpiryInterval: 60 } } });
    await c.subscribe('rm/t', 1);
    const pub = await connectClient(relay);
    for (let i = 0; i < 6; i++) await pub.publishAsync('rm/t', `m${i}`, { qos: 1 });
    await waitFor(() => c.publishes.length === 2);
    await sleep(200);
    assert.equal(c.publishes.length, 2, 'two unacknowledged, no more');
    c.ack(c.publishes[0].messageId!);
    await waitFor(() => c.publishes.length === 3);
    await sleep(200);
    assert.equal(c.publishes.length, 3);
    // Offline with messages stored: the resend after reconnect keeps to the window too.
    c.destroy();
    await waitFor(async () => (await getData(relay, '/api/v2/clients/rm-1')).connected === false);
    const back = await rawClient(relay.ports.mqtt!, 'rm-1', { version: 5, clean: false, connect: { properties: { receiveMaximum: 2, sessionExpiryInterval: 60 } } });
    await waitFor(() => back.publishes.length === 2);
    await sleep(300);
    assert.equal(back.publishes.length, 2);
    for (let n = 0; n < 5 && back.publishes.length < 5; n++) {
      for (const p of back.publishes) back.ack(p.messageId!);
      await sleep(100);
    }
    assert.deepEqual(back.publishes.map((p) => p.payload), ['m1', 'm2', 'm3', 'm4', 'm5']);
    back.destroy();
    await pub.endAsync();
  });

  test('3.1.2.11.4 [MQTT-3.1.2-24/25]: nothing larger than the client\'s Maximum Packet Size is sent; a QoS 1 one frees its slot and counts as dropped', async () => {
    const before = await dropped(relay);
    const c = await rawClient(relay.ports.mqtt!, 'mps-1', { version: 5, connect: { properties: { maximumPacketSize: 256, receiveMaximum: 1 } } });
    assert.equal(c.connack!.properties?.maximumPacketSize, relay.config.broker.mqtt.max_packet_size, 'the server\'s own limit is advertised');
    await c.subscribe('mps/t', 1);
    const pub = await connectClient(relay);
    await pub.publishAsync('mps/t', 'x'.repeat(1000), { qos: 1 });
    await pub.publishAsync('mps/t', 'small', { qos: 1 });
    await waitFor(() => c.publishes.length === 1);
    await sleep(200);
    assert.deepEqual(c.publishes.map((p) => p.payload), ['small'], 'the large one skipped, and its slot (Receive Maximum 1) freed');
    await waitFor(async () => (await dropped(relay)) - before === 1);
    c.destroy();
    await pub.endAsync();
  });

  test('3.3.4 [MQTT-3.3.4-3/4]: one copy carries the identifiers of every matching subscription; a shared member gets its own', async () => {
    const c = await connectClient(relay, { protocolVersion: 5 });
    const got = collect(c);
    await c.subscribeAsync('si/+', { qos: 0, properties: { subscriptionIdentifier: 1 } });
    await c.subscribeAsync('si/#', { qos: 1, properties: { subscriptionIdentifier: 2 } });
    await c.subscribeAsync('si/x', { qos: 0 });
    const s = await connectClient(relay, { protocolVersion: 5 });
    const shared = collect(s);
    await s.subscribeAsync('$share/g/si/#', { qos: 0, properties: { subscriptionIdentifier: 7 } });
    const pub = await connectClient(relay);
    await pub.publishAsync('si/x', 'one');
    await got.next(1);
    await shared.next(1);
    await sleep(200);
    assert.equal(got.messages.length, 1, 'one copy');
    assert.deepEqual([got.messages[0].packet.properties.subscriptionIdentifier].flat().sort(), [1, 2]);
    assert.deepEqual([shared.messages[0].packet.properties.subscriptionIdentifier].flat(), [7]);
    await Promise.all([c.endAsync(), s.endAsync(), pub.endAsync()]);
  });

  test('3.3.4 with Paho: both identifiers arrive on the one copy', { skip: !pahoAvailable && 'python3-paho-mqtt missing' }, async () => {
    const p = paho({ port: relay.ports.mqtt, client_id: 'si-paho', subscribe: [['sp/+', 0, null, 11], ['sp/#', 0, null, 12]], expect: 1, wait: 6, linger: 0.3 });
    await p.ready;
    const pub = await connectClient(relay);
    await pub.publishAsync('sp/x', 'one');
    const r = await p.done;
    assert.equal(r.messages.length, 1);
    assert.deepEqual([r.messages[0].properties.SubscriptionIdentifier].flat().sort(), [11, 12]);
    await pub.endAsync();
  });

  test('3.3.2.3.4: topic aliases to a client that allows them (LRU when full); none to one that does not', async () => {
    const raw = await rawClient(relay.ports.mqtt!, 'alias-raw', { version: 5, connect: { properties: { topicAliasMaximum: 2 } } });
    assert.equal(raw.connack!.properties?.topicAliasMaximum, 32, 'mqtt.max_topic_alias, default 32');
    await raw.subscribe('alias/#', 0);
    const js = await connectClient(relay, { protocolVersion: 5, properties: { topicAliasMaximum: 5 } });
    const jsGot = collect(js);
    await js.subscribeAsync('alias/#');
    const plain = await rawClient(relay.ports.mqtt!, 'alias-none', { version: 5 });
    await plain.subscribe('alias/#', 0);
    const pub = await connectClient(relay);
    const topics = ['alias/a', 'alias/a', 'alias/b', 'alias/c', 'alias/a'];
    for (const t of topics) await pub.publishAsync(t, 'p');
    await waitFor(() => raw.publishes.length === 5 && plain.publishes.length === 5);
    assert.deepEqual(raw.publishes.map((p) => [p.topic, p.properties?.topicAlias]), [
      ['alias/a', 1], ['', 1], ['alias/b', 2], ['alias/c', 1], ['alias/a', 2],
    ]);
    assert.deepEqual(plain.publishes.map((p) => [p.topic, p.properties?.topicAlias]), topics.map((t) => [t, undefined]));
    await jsGot.next(5);
    assert.deepEqual(jsGot.messages.map((m) => m.topic), topics, 'mqtt.js resolves them');
    raw.destroy();
    plain.destroy();
    await Promise.all([js.endAsync(), pub.endAsync()]);
  });

  test('3.3.2-12: a client\'s Topic Alias above the advertised maximum is a 0x94 DISCONNECT', async () => {
    const c = await rawClient(relay.ports.mqtt!, 'alias-bad', { version: 5 });
    c.send({ cmd: 'publish', topic: 'x', payload: Buffer.from('p'), qos: 0, retain: false, dup: false, properties: { topicAlias: 33 } });
    assert.equal((await c.next((p) => p.cmd === 'disconnect')).reasonCode, 0x94);
  });

  test('3.3.2.3.3 [MQTT-3.3.2-5/6]: expired messages are never sent (queued, retained, HTTP); others carry the remaining interval', async () => {
    const c = await rawClient(relay.ports.mqtt!, 'exp-1', { version: 5, expiry: 60 });
    await c.subscribe('exp/#', 1);
    c.destroy();
    await waitFor(async () => (await getData(relay, '/api/v2/clients/exp-1')).connected === false);
    const pub = await connectClient(relay, { protocolVersion: 5 });
    await pub.publishAsync('exp/short', 's', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync('exp/long', 'l', { qos: 1, properties: { messageExpiryInterval: 30 } });
    await pub.publishAsync('exp/retained-short', 'rs', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
    const api = await fetch(`http://127.0.0.1:${relay.ports.http}/api/v2/mqtt/publish`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'exp/http', payload: 'h', qos: 1, properties: { message_expiry_interval: 1 } }),
    });
    assert.equal(api.status, 200);
    await sleep(2200);
    const back = await rawClient(relay.ports.mqtt!, 'exp-1', { version: 5, clean: false, expiry: 60 });
    await waitFor(() => back.publishes.length >= 1);
    await sleep(300);
    assert.deepEqual(back.publishes.map((p) => p.topic), ['exp/long']);
    const left = back.publishes[0].properties?.messageExpiryInterval;
    assert.ok(left >= 26 && left <= 28, `remaining interval ${left}`);
    const late = await rawClient(relay.ports.mqtt!, 'exp-2', { version: 5 });
    await late.subscribe('exp/#', 1);
    await sleep(300);
    assert.equal(late.publishes.length, 0, 'an expired retained message is not sent');
    back.destroy();
    late.destroy();
    await pub.endAsync();
  });
});
