// MQTT 5.0: what the CONNACK promises is what the broker does, every server limit from the
// config; subscription options; request/problem information; reason codes. Tested from the
// standard's normative statements with mqtt.js, the bare client and Paho.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RelayMQ } from '../src/app.ts';
import { startTestRelay, connectClient, collect, waitFor } from './helpers.ts';
import { rawClient, type RawClient } from './raw-mqtt.ts';
import { paho, pahoAvailable } from './clients/paho.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const subscribeWith = async (c: RawClient, subscriptions: object[], properties?: object) => {
  c.send({ cmd: 'subscribe', messageId: 7, subscriptions, ...(properties ? { properties } : {}) });
  return (await c.next((p) => p.cmd === 'suback')).granted as number[];
};
const publishRaw = (c: RawClient, topic: string, qos: number, extra: object = {}) =>
  c.send({ cmd: 'publish', topic, payload: Buffer.from('p'), qos, messageId: qos ? 1 : undefined, retain: false, dup: false, ...extra });

describe('MQTT 5: a restricted server says so in CONNACK and holds clients to it', { timeout: 60_000 }, () => {
  let relay: RelayMQ;
  before(async () => {
    relay = await startTestRelay({ broker: { mqtt: {
      max_qos_allowed: 1, retain_available: false, wildcard_subscription_available: false, subscription_identifier_available: false,
      shared_subscription_available: false, receive_maximum: 2, max_topic_alias: 0, max_packet_size: 4096, server_keep_alive: 20,
      response_information: 'replies/',
    } } });
  });
  after(() => relay.close());

  test('3.2.2.3: CONNACK properties come from the config (bare client and Paho read the same)', async () => {
    const c = await rawClient(relay.ports.mqtt!, '', { version: 5, keepalive: 60 });
    const p = c.connack!.properties!;
    assert.equal(p.maximumQoS, 1);
    assert.equal(p.retainAvailable, false);
    assert.equal(p.wildcardSubscriptionAvailable, false);
    assert.equal(p.subscriptionIdentifiersAvailable, false);
    assert.equal(p.sharedSubscriptionAvailable, false);
    assert.equal(p.receiveMaximum, 2);
    assert.equal(p.maximumPacketSize, 4096);
    assert.equal(p.topicAliasMaximum, undefined, 'max_topic_alias = 0: no aliases');
    assert.equal(p.serverKeepAlive, 20, 'overrides the client\'s 60');
    assert.match(String(p.assignedClientIdentifier), /.+/, 'an empty client id gets one assigned');
    assert.equal(p.responseInformation, undefined, 'not requested');
    c.destroy();
    if (pahoAvailable) {
      const r = await paho({ port: relay.ports.mqtt, client_id: 'paho-connack', wait: 3 }).done;
      assert.equal(r.connack!.reason, 0);
      assert.equal(r.connack!.properties.MaximumQoS, 1);
      assert.equal(r.connack!.properties.RetainAvailable, 0);
      assert.equal(r.connack!.properties.ReceiveMaximum, 2);
      assert.equal(r.connack!.properties.ServerKeepAlive, 20);
    }
  });

  test('3.1.2.11.6 [MQTT-3.2.2-..]: Response Information only when the client requests it', async () => {
    const asked = await rawClient(relay.ports.mqtt!, 'ri-1', { version: 5, connect: { properties: { requestResponseInformation: true } } });
    assert.equal(asked.connack!.properties?.responseInformation, 'replies/');
    asked.destroy();
  });

  test('MQTT-3.2.2-11/14: a PUBLISH above Maximum QoS is 0x9B, a retained one without Retain Available 0x9A', async () => {
    const q = await rawClient(relay.ports.mqtt!, 'q2', { version: 5 });
    publishRaw(q, 't', 2);
    assert.equal((await q.next((p) => p.cmd === 'disconnect')).reasonCode, 0x9b);
    const r = await rawClient(relay.ports.mqtt!, 'ret', { version: 5 });
    publishRaw(r, 't', 0, { retain: true });
    assert.equal((await r.next((p) => p.cmd === 'disconnect')).reasonCode, 0x9a);
  });

  test('SUBACK: QoS 2 granted as 1; a wildcard is 0xA2, a shared filter 0x9E; a Subscription Identifier is a 0xA1 DISCONNECT', async () => {
    const c = await rawClient(relay.ports.mqtt!, 'subs', { version: 5 });
    assert.deepEqual(await subscribeWith(c, [{ topic: 'a', qos: 2 }, { topic: 'a/+', qos: 0 }, { topic: 'a/#', qos: 0 }, { topic: '$share/g/a', qos: 0 }]),
      [1, 0xa2, 0xa2, 0x9e]);
    c.send({ cmd: 'subscribe', messageId: 8, subscriptions: [{ topic: 'b', qos: 0 }], properties: { subscriptionIdentifier: 3 } });
    assert.equal((await c.next((p) => p.cmd === 'disconnect')).reasonCode, 0xa1);
  });

  test('3.1.2.10 / 3.2.2.3.14: Server Keep Alive applies to MQTT 5 only; an MQTT 3.1.1 keepalive 0 is accepted', async () => {
    const v4 = await rawClient(relay.ports.mqtt!, 'ka-v4', { keepalive: 0 });
    assert.equal(v4.connack!.returnCode, 0);
    v4.destroy();
  });
});

describe('MQTT 5: subscription options, problem information, reason codes (default config)', { timeout: 60_000 }, () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay(); });
  after(() => relay.close());

  test('3.8.3.1 No Local: a client does not get its own messages; others\' it does', async () => {
    const c = await connectClient(relay, { protocolVersion: 5 });
    const got = collect(c);
    await c.subscribeAsync('nl/t', { qos: 1, nl: true });
    await c.publishAsync('nl/t', 'own', { qos: 1 });
    const other = await connectClient(relay);
    await other.publishAsync('nl/t', 'theirs', { qos: 1 });
    await got.next(1);
    await sleep(200);
    assert.deepEqual(got.messages.map((m) => m.payload.toString()), ['theirs']);
    await Promise.all([c.endAsync(), other.endAsync()]);
  });

  test('MQTT-3.8.3-4: No Local on a shared subscription is a Protocol Error (0x82)', async () => {
    const c = await rawClient(relay.ports.mqtt!, 'nl-shared', { version: 5 });
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g/nl', qos: 0, nl: true }] });
    assert.equal((await c.next((p) => p.cmd === 'disconnect')).reasonCode, 0x82);
  });

  test('3.8.3.1 Retain As Published: RETAIN kept on live delivery only with RAP; Paho sees the same', async () => {
    const rap = await rawClient(relay.ports.mqtt!, 'rap-1', { version: 5 });
    await subscribeWith(rap, [{ topic: 'rap/t', qos: 0, rap: true }]);
    const plain = await rawClient(relay.ports.mqtt!, 'rap-0', { version: 5 });
    await subscribeWith(plain, [{ topic: 'rap/t', qos: 0 }]);
    const p = pahoAvailable ? paho({ port: relay.ports.mqtt, client_id: 'rap-paho', subscribe: [['rap/t', 0, { retainAsPublished: true }]], expect: 1, wait: 6 }) : undefined;
    await p?.ready;
    const pub = await connectClient(relay);
    await pub.publishAsync('rap/t', 'live', { retain: true });
    await waitFor(() => rap.publishes.length === 1 && plain.publishes.length === 1);
    assert.equal(rap.publishes[0].retain, true);
    assert.equal(plain.publishes[0].retain, false);
    if (p) assert.deepEqual((await p.done).messages.map((m) => m.retain), [true]);
    await pub.publishAsync('rap/t', '', { retain: true });
    rap.destroy();
    plain.destroy();
    await pub.endAsync();
  });

  test('3.8.3.1 Retain Handling 0/1/2, and no retained messages for a shared subscription (4.8.2)', async () => {
    const pub = await connectClient(relay);
    await pub.publishAsync('rh/t', 'kept', { retain: true, qos: 1 });
    const c = await rawClient(relay.ports.mqtt!, 'rh', { version: 5 });
    const count = () => c.publishes.length;
    await subscribeWith(c, [{ topic: 'rh/t', qos: 0, rh: 0 }]);
    await waitFor(() => count() === 1);
    await subscribeWith(c, [{ topic: 'rh/t', qos: 0, rh: 0 }]);
    await waitFor(() => count() === 2, 3000, 'rh 0 sends on every SUBSCRIBE');
    await subscribeWith(c, [{ topic: 'rh/+', qos: 0, rh: 1 }]);
    await waitFor(() => count() === 3, 3000, 'rh 1 sends for a new subscription');
    await subscribeWith(c, [{ topic: 'rh/+', qos: 0, rh: 1 }]);
    await subscribeWith(c, [{ topic: 'rh/#', qos: 0, rh: 2 }]);
    await subscribeWith(c, [{ topic: '$share/g/rh/t', qos: 0, rh: 0 }]);
    await sleep(300);
    assert.equal(count(), 3, 'rh 1 again, rh 2 and a shared subscription send nothing');
    c.destroy();
    await pub.publishAsync('rh/t', '', { retain: true });
    await pub.endAsync();
  });

  test('3.1.2.11.7 [MQTT-3.1.2-29]: Reason Strings only when the client allows problem information', async () => {
    const told = await rawClient(relay.ports.mqtt!, 'rpi-1', { version: 5 });
    publishRaw(told, '$SYS/forged', 1);
    const a = await told.next((p) => p.cmd === 'puback');
    assert.equal(a.reasonCode, 0x87);
    assert.equal(typeof a.properties?.reasonString, 'string');
    const quiet = await rawClient(relay.ports.mqtt!, 'rpi-0', { version: 5, connect: { properties: { requestProblemInformation: false } } });
    publishRaw(quiet, '$SYS/forged', 1);
    const b = await quiet.next((p) => p.cmd === 'puback');
    assert.equal(b.reasonCode, 0x87);
    assert.equal(b.properties?.reasonString, undefined);
    told.destroy();
    quiet.destroy();
  });

  test('reason codes: SUBACK 0x8F for a malformed shared filter, 0x87 for a denied one; DISCONNECT 0x8E on takeover', async () => {
    const c = await rawClient(relay.ports.mqtt!, 'codes', { version: 5 });
    assert.deepEqual(await subscribeWith(c, [{ topic: '$share//t', qos: 0 }, { topic: '$share/g', qos: 0 }, { topic: '$relaymq/x', qos: 0 }, { topic: '$share/g/ok', qos: 1 }]),
      [0x8f, 0x8f, 0x87, 1]);
    const v3 = await rawClient(relay.ports.mqtt!, 'codes-v3');
    assert.deepEqual(await subscribeWith(v3, [{ topic: '$share//t', qos: 0 }]), [0x80]);
    v3.destroy();
    const takenOver = c.next((p) => p.cmd === 'disconnect');
    const second = await rawClient(relay.ports.mqtt!, 'codes', { version: 5 });
    assert.equal((await takenOver).reasonCode, 0x8e);
    second.destroy();
  });

  test('3.3.4 [MQTT-3.3.4-9]: a client exceeding the server\'s Receive Maximum gets DISCONNECT 0x93; completed ones free their place', async () => {
    const own = await startTestRelay({ broker: { mqtt: { receive_maximum: 2 } } });
    try {
      const ok = await rawClient(own.ports.mqtt!, 'rm-ok', { version: 5 });
      assert.equal(ok.connack!.properties?.receiveMaximum, 2);
      // QoS 2: a message is the server's to finish until its PUBCOMP.
      for (let id = 1; id <= 4; id++) {
        publishRaw(ok, 'rm', 2, { messageId: id });
        await ok.next((p) => p.cmd === 'pubrec' && p.messageId === id);
        ok.send({ cmd: 'pubrel', messageId: id });
        await ok.next((p) => p.cmd === 'pubcomp' && p.messageId === id);
      }
      assert.equal(ok.closed, false, 'completed messages do not count');
      ok.destroy();
      const greedy = await rawClient(own.ports.mqtt!, 'rm-greedy', { version: 5 });
      const bye = greedy.next((p) => p.cmd === 'disconnect');
      for (let id = 1; id <= 3; id++) publishRaw(greedy, 'rm', 2, { messageId: id });
      assert.equal((await bye).reasonCode, 0x93);
      assert.ok(!greedy.packets.some((p) => p.cmd === 'pubrec' && p.messageId === 3), 'the third is not taken');
    } finally {
      await own.close();
    }
  });

  test('reason codes: DISCONNECT 0x8B when the server shuts down', async () => {
    const own = await startTestRelay();
    const c = await rawClient(own.ports.mqtt!, 'shutdown', { version: 5 });
    const bye = c.next((p) => p.cmd === 'disconnect');
    await own.close();
    assert.equal((await bye).reasonCode, 0x8b);
  });
});
