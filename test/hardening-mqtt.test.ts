// No client can harm another, tried as an attacker would with real clients on a real relay:
// $SYS forgery, reading denied topics through wildcards, placeholder injection, wills, retained
// $-topics, shared-subscription flags, malformed UTF-8, takeover storms, packet size and
// SUBSCRIBE size limits, keepalive limits.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startTestRelay, connectClient, collect, getData, waitFor, http } from './helpers.ts';
import { rawClient } from './raw-mqtt.ts';
import type { RelayMQ } from '../src/app.ts';

const ACL = `rules = [
  ["deny", "all", "subscribe", ["secret/#"]],
  ["deny", { user = "mallory" }, "publish", ["alerts/#"]],
  ["allow", "all", "subscribe", ["public/#", "+/x", "+/+", "+/#", "#", "$share/+/#", "st/#", "$foo/#", "+/bar", "storm/#", "alerts/#", "a/#", "$SYS/brokers/#"]],
  ["deny", "all", "subscribe"],
  ["allow", "all", "publish"],
]
no_match = "deny"
`;

const PLACEHOLDER_ACL = `rules = [
  ["allow", "all", "subscribe", ["user/%c/#", "name/%u/#"]],
  ["deny", "all", "subscribe"],
]
`;

/** Connects (MQTT 3.1.1), sends `bytes`, and tells whether the broker then closed the connection (within 3 s). */
function closedAfter(port: number, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, '127.0.0.1', () => {
      s.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: `raw-${Math.random()}`, clean: true, keepalive: 60 } as never));
      setTimeout(() => s.write(bytes), 50);
    });
    const timer = setTimeout(() => { s.destroy(); resolve(false); }, 3000);
    s.resume(); // read what comes (the CONNACK), so that the broker's close is seen
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(timer); resolve(true); });
  });
}

/** A PUBLISH (QoS 0) whose topic is the given raw bytes. */
function rawPublish(topic: Buffer, payload = Buffer.from('p')): Buffer {
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, payload]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

describe('MQTT hardening', { timeout: 120_000 }, () => {
  let relay: RelayMQ;
  before(async () => {
    relay = await startTestRelay({
      pluginFiles: { 'rmqtt-acl': ACL },
      broker: { mqtt: { max_keepalive: 60, max_packet_size: 256 * 1024, max_topic_filters_per_subscribe: 100 } },
    });
  });
  after(() => relay.close());
  const port = () => relay.ports.mqtt!;

  test('$SYS: no client publishes there — a forged new/clients cannot kick anyone (v5 0x87, v3 QoS 0 dropped, v3 QoS 1 disconnected)', async () => {
    const victim = await connectClient(relay, { clientId: 'victim' });
    const forger5 = await rawClient(port(), 'forger5', { version: 5 });
    forger5.send({ cmd: 'publish', topic: `$SYS/${relay.broker.id}/new/clients`, payload: Buffer.from('victim'), qos: 1, messageId: 1, retain: false, dup: false });
    assert.equal((await forger5.next((p) => p.cmd === 'puback')).reasonCode, 0x87);
    const forger3 = await rawClient(port(), 'forger3');
    forger3.send({ cmd: 'publish', topic: `$SYS/${relay.broker.id}/new/clients`, payload: Buffer.from('victim'), qos: 0, retain: false, dup: false });
    forger3.send({ cmd: 'publish', topic: '$SYS/brokers/1/version', payload: Buffer.from('forged'), qos: 0, retain: true, dup: false });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(forger3.closed, false, 'a denied QoS 0 message is dropped, the client stays');
    assert.equal(victim.connected, true, 'the victim is still connected');
    assert.equal(await getData(relay, '/api/v2/clients/victim/online'), true);
    forger3.send({ cmd: 'publish', topic: '$SYS/x', payload: Buffer.from('y'), qos: 1, messageId: 2, retain: false, dup: false });
    await waitFor(() => forger3.closed, 3000, 'QoS 1 denial closes an MQTT 3.1.1 connection');
    const reader = await connectClient(relay, { clientId: 'sys-reader' });
    const inbox = collect(reader);
    await reader.subscribeAsync('$SYS/brokers/+/version', { qos: 0 });
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(inbox.messages.every((m) => m.payload.toString() !== 'forged'), 'no forged retained $SYS message');
    await Promise.all([victim.endAsync(), reader.endAsync()]);
    forger5.destroy();
  });

  test('wildcards never read a denied topic: live, retained on subscribe, queued on reconnect, shared', async () => {
    const pub = await connectClient(relay, { clientId: 'w-pub' });
    await pub.publishAsync('secret/x', 'retained-secret', { qos: 1, retain: true });
    await pub.publishAsync('public/x', 'retained-public', { qos: 1, retain: true });
    const filters = ['+/#', '+/x', '+/+', '$share/g/+/#'];
    const subs = await Promise.all(filters.map((_f, i) => connectClient(relay, { clientId: `w-sub-${i}`, protocolVersion: 5 })));
    const inboxes = subs.map(collect);
    for (const [i, f] of filters.entries()) {
      const granted = await subs[i].subscribeAsync(f, { qos: 1 });
      assert.ok(granted[0].qos < 0x80, `${f} is granted (it also matches allowed topics)`);
    }
    const offline = await rawClient(port(), 'w-offline', { clean: false });
    await offline.subscribe('+/#', 1);
    offline.destroy();
    await waitFor(async () => !(await getData(relay, '/api/v2/clients/w-offline/online')));
    await pub.publishAsync('secret/x', 'live-secret', { qos: 1 });
    await pub.publishAsync('public/x', 'live-public', { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    for (const [i, inbox] of inboxes.entries()) {
      const got = inbox.messages.map((m) => m.payload.toString());
      assert.ok(got.includes('live-public'), `${filters[i]}: allowed messages arrive`);
      assert.deepEqual(got.filter((m) => m.includes('secret')), [], `${filters[i]}: nothing under secret/`);
    }
    const back = await rawClient(port(), 'w-offline', { clean: false });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(back.publishes.map((p) => p.payload), ['live-public'], 'queued: only the allowed one');
    back.destroy();
    await Promise.all([...subs, pub].map((c) => c.endAsync()));
  });

  test('%c and %u are literal: a client id or username "+", "#" or "a/b" matches only itself', async () => {
    const own = await startTestRelay({ pluginFiles: { 'rmqtt-acl': PLACEHOLDER_ACL } });
    const sub = async (id: string, filter: string, username?: string) => {
      const c = await rawClient(own.ports.mqtt!, id, { connect: username ? { username } : {} });
      const granted = await c.subscribe(filter, 0);
      c.destroy();
      return granted[0] < 0x80;
    };
    assert.equal(await sub('alice', 'user/alice/#'), true);
    assert.equal(await sub('+', 'user/+/data'), false, 'id "+" does not read user/<anyone>/data');
    assert.equal(await sub('+', 'user/+/#'), false);
    assert.equal(await sub('#', 'user/#'), false, 'id "#" does not get user/#');
    assert.equal(await sub('a/b', 'user/a/b/x'), true, 'id "a/b" matches itself');
    assert.equal(await sub('a/b', 'user/a/+/x'), false);
    assert.equal(await sub('nobody', 'name/#', '#'), false, 'username "#" does not get name/#');
    assert.equal(await sub('nobody', 'name/+/x', '+'), false, 'username "+"');
    assert.equal(await sub('bob', 'name/bob/x', 'bob'), true);
    assert.equal(await sub('anon', 'name//x'), false, 'no username: %u matches nothing');
    await own.close();
  });

  test('a will is authorized as the client that set it, also for a clean session', async () => {
    const watcher = await connectClient(relay, { clientId: 'alerts-watch' });
    const inbox = collect(watcher);
    await watcher.subscribeAsync('alerts/#', { qos: 1 });
    const mallory = await rawClient(port(), 'mallory-1', { clean: true, connect: { username: 'mallory', will: { topic: 'alerts/fire', payload: Buffer.from('fake'), qos: 1, retain: false } } });
    const honest = await rawClient(port(), 'honest-1', { clean: true, connect: { username: 'honest', will: { topic: 'alerts/real', payload: Buffer.from('real'), qos: 1, retain: false } } });
    mallory.destroy();
    honest.destroy();
    await inbox.next(1);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(inbox.messages.map((m) => m.payload.toString()), ['real']);
    await watcher.endAsync();
  });

  test('retained messages on $-topics are not sent to # or +/… subscriptions [MQTT-4.7.2-1]', async () => {
    const pub = await connectClient(relay, { clientId: 'dollar-pub' });
    await pub.publishAsync('$foo/bar', 'dollar', { qos: 1, retain: true });
    const all = await connectClient(relay, { clientId: 'dollar-all' });
    const inboxAll = collect(all);
    await all.subscribeAsync(['#', '+/bar'], { qos: 0 });
    const direct = await connectClient(relay, { clientId: 'dollar-direct' });
    const inboxDirect = collect(direct);
    await direct.subscribeAsync('$foo/#', { qos: 0 });
    await inboxDirect.next(1);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(inboxAll.messages.filter((m) => m.topic.startsWith('$')), []);
    await Promise.all([pub.endAsync(), all.endAsync(), direct.endAsync()]);
  });

  test('shared members get RETAIN 0 (unless Retain As Published) and their Subscription Identifier', async () => {
    const plain = await rawClient(port(), 'st-plain', { version: 5 });
    plain.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'st/#', qos: 1 }], properties: { subscriptionIdentifier: 3 } });
    await plain.next((p) => p.cmd === 'suback');
    const member = await rawClient(port(), 'st-member', { version: 5 });
    member.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g2/st/#', qos: 1 }], properties: { subscriptionIdentifier: 7 } });
    await member.next((p) => p.cmd === 'suback');
    const rap = await rawClient(port(), 'st-rap', { version: 5 });
    rap.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g3/st/#', qos: 1, rap: true }], properties: { subscriptionIdentifier: 9 } });
    await rap.next((p) => p.cmd === 'suback');
    const pub = await connectClient(relay, { clientId: 'st-pub' });
    await pub.publishAsync('st/x', 'live', { qos: 1, retain: true });
    await waitFor(() => plain.publishes.length === 1 && member.publishes.length === 1 && rap.publishes.length === 1);
    assert.deepEqual([plain.publishes[0].retain, plain.publishes[0].properties?.subscriptionIdentifier], [false, 3]);
    assert.deepEqual([member.publishes[0].retain, member.publishes[0].properties?.subscriptionIdentifier], [false, 7]);
    assert.deepEqual([rap.publishes[0].retain, rap.publishes[0].properties?.subscriptionIdentifier], [true, 9]);
    for (const c of [plain, member, rap]) c.destroy();
    await pub.endAsync();
  });

  test('ill-formed UTF-8 and U+0000 in a topic or filter make the packet malformed: connection closed, nothing delivered [MQTT-1.5.3-1/-2]', async () => {
    const watcher = await connectClient(relay, { clientId: 'utf8-watch' });
    const inbox = collect(watcher);
    await watcher.subscribeAsync('#', { qos: 0 });
    const badTopics = [Buffer.from([0x61, 0xc3, 0x28]), Buffer.from([0x61, 0x00, 0x62]), Buffer.from([0xed, 0xa0, 0x80])];
    for (const topic of badTopics) assert.equal(await closedAfter(port(), rawPublish(topic)), true, `topic ${topic.toString('hex')}`);
    const filter = Buffer.from([0x78, 0xc3]);
    const body = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, filter.length]), filter, Buffer.from([0x00])]);
    assert.equal(await closedAfter(port(), Buffer.concat([Buffer.from([0x82, body.length]), body])), true, 'filter');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(inbox.messages.filter((m) => !m.packet.retain).map((m) => m.topic), [], 'nothing delivered');
    await watcher.endAsync();
  });

  test('takeover storm: 50 connections racing for one id for 3 s; afterwards every count is the truth', async () => {
    const connections = async () => (await getData(relay, '/api/v2/stats/1')).stats['connections.count'];
    const before = relay.broker.connectedClients;
    const pub = await connectClient(relay, { clientId: 'storm-pub' });
    let stop = false;
    const publishing = (async () => { for (let i = 0; i < 100_000 && !stop; i++) await pub.publishAsync('storm/x', `m${i}`, { qos: 1 }); })();
    // Each racer opens a connection, sends CONNECT and SUBSCRIBE at once, never acknowledges,
    // and drops the connection a few milliseconds later, while 49 others do the same.
    const racer = async (n: number) => {
      for (let i = 0; i < 2000 && !stop; i++) {
        await new Promise<void>((resolve) => {
          const s = tcpConnect(port(), '127.0.0.1', () => {
            s.write(Buffer.concat([
              mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: n % 2 ? 5 : 4, clientId: 'stormy', clean: i % 3 !== 0, keepalive: 60 } as never),
              mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'storm/#', qos: 1 }] } as never, { protocolVersion: n % 2 ? 5 : 4 }),
            ]));
            setTimeout(() => { s.destroy(); resolve(); }, Math.random() * 15);
          });
          s.resume();
          s.on('error', () => resolve());
        });
      }
    };
    const racers = Array.from({ length: 50 }, (_, n) => racer(n));
    await new Promise((r) => setTimeout(r, 3000));
    stop = true;
    await Promise.all(racers);
    await publishing;
    await waitFor(async () => (await connections()) === before + 1, 5000, 'only the publisher left');
    assert.equal(relay.broker.connectedClients, Object.keys(relay.broker.clients).length, 'the count is the connections registered');
    assert.equal(await getData(relay, '/api/v2/clients/stormy/online'), false);
    // The id works as any other afterwards.
    const last = await rawClient(port(), 'stormy', { clean: true });
    assert.equal(await getData(relay, '/api/v2/clients/stormy/online'), true);
    assert.equal((await getData(relay, '/api/v2/clients/stormy')).connected, true);
    last.send({ cmd: 'disconnect' });
    await pub.endAsync();
    await waitFor(async () => (await connections()) === before, 5000, 'no connection of the storm left');
    assert.equal((await getData(relay, '/api/v2/stats/1')).stats['out_inflights.count'], 0, 'no in-flight entry leaked');
    assert.equal(await getData(relay, '/api/v2/clients/stormy/online'), false);
    assert.deepEqual(await getData(relay, '/api/v2/clients?clientid=stormy'), [], 'the clean session ended with it');
  });

  test('max_packet_size: a larger packet is refused while parsing, before CONNECT too; advertised in the MQTT 5 CONNACK', async () => {
    const v5 = await rawClient(port(), 'big5', { version: 5 });
    assert.equal(v5.connack!.properties?.maximumPacketSize, 256 * 1024);
    v5.send({ cmd: 'publish', topic: 'x', payload: Buffer.alloc(300 * 1024), qos: 0, retain: false, dup: false });
    const disconnect = await v5.next((p) => p.cmd === 'disconnect');
    assert.equal(disconnect.reasonCode, 0x95);
    // A CONNECT announcing 256 MiB: closed after its header, long before 256 MiB arrive.
    const s = tcpConnect(port(), '127.0.0.1');
    let sent = 0;
    await new Promise<void>((resolve) => {
      s.on('connect', () => {
        s.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
        const chunk = Buffer.alloc(16 * 1024);
        const tick = setInterval(() => { if (!s.destroyed && sent < 4 * 1024 * 1024) { s.write(chunk); sent += chunk.length; } }, 5);
        s.on('close', () => { clearInterval(tick); resolve(); });
      });
      s.on('error', () => {});
      setTimeout(() => { s.destroy(); resolve(); }, 5000).unref();
    });
    assert.ok(sent < 4 * 1024 * 1024, `closed after ${sent} bytes`);
  });

  test('a SUBSCRIBE over max_topic_filters_per_subscribe is refused whole (0x97 / 0x80), quickly; 100 filters are fine', async () => {
    const v5 = await rawClient(port(), 'many5', { version: 5, clean: false, expiry: 60 });
    const many = Array.from({ length: 20_000 }, (_, i) => ({ topic: `a/${i}`, qos: 0 }));
    const t = Date.now();
    v5.send({ cmd: 'subscribe', messageId: 1, subscriptions: many });
    const suback = await v5.next((p) => p.cmd === 'suback', 10_000);
    assert.equal(suback.granted.length, 20_000);
    assert.ok(suback.granted.every((g: number) => g === 0x97));
    assert.ok(Date.now() - t < 5000, `answered in ${Date.now() - t} ms`);
    assert.equal((await getData(relay, '/api/v2/clients/many5')).subscriptions_cnt, 0);
    v5.send({ cmd: 'subscribe', messageId: 2, subscriptions: many.slice(0, 100) });
    const ok = await v5.next((p) => p.cmd === 'suback' && p.messageId === 2);
    assert.ok(ok.granted.every((g: number) => g === 0));
    assert.equal((await getData(relay, '/api/v2/clients/many5')).subscriptions_cnt, 100);
    const viaApi = await http(relay, 'POST', '/api/v2/mqtt/subscribe', { body: { clientid: 'many5', topics: many.slice(0, 101).map((m) => m.topic).join(',') } });
    assert.deepEqual([viaApi.status, viaApi.json.msg], [400, 'at most 100 topic filters per subscribe (mqtt.max_topic_filters_per_subscribe); got 101']);
    const v3 = await rawClient(port(), 'many3');
    v3.send({ cmd: 'subscribe', messageId: 1, subscriptions: many.slice(0, 101) });
    assert.ok((await v3.next((p) => p.cmd === 'suback')).granted.every((g: number) => g === 0x80));
    v5.destroy();
    v3.destroy();
  });

  test('MQTT 3.1.1 keepalive: 0 is accepted; above max_keepalive is refused with a valid return code (2)', async () => {
    const zero = await rawClient(port(), 'ka0', { keepalive: 0 });
    assert.equal(zero.connack!.returnCode, 0);
    const big = await rawClient(port(), 'ka100', { keepalive: 100 });
    assert.equal(big.connack!.returnCode, 2);
    zero.destroy();
    const viaMqttJs = await mqtt.connectAsync(`mqtt://127.0.0.1:${port()}`, { clientId: 'ka-mqttjs', keepalive: 0, reconnectPeriod: 0 });
    await viaMqttJs.endAsync();
  });
});

test('listener.tcp.max_connections: connections beyond the cap are refused and logged; the others are served', async () => {
  const logs: any[] = [];
  const sink = new Writable({ write(chunk, _e, cb) { logs.push(JSON.parse(chunk.toString())); cb(); } });
  const relay = await startTestRelay({ broker: { listener: { tcp: { max_connections: 3 } } }, log: pino({ level: 'warn' }, sink) });
  try {
    const held = await Promise.all([1, 2, 3].map((i) => connectClient(relay, { clientId: `held-${i}` })));
    // mqtt.js would wait forever for a CONNACK on a socket closed at once: look at the socket.
    assert.equal(await closedAfter(relay.ports.mqtt!, Buffer.alloc(0)), true, 'the fourth connection is closed at once');
    assert.ok(logs.some((l) => l.msg === 'connection limit reached: refusing new connections' && l.listener === 'tcp' && l.max_connections === 3));
    await held[0].endAsync();
    await waitFor(() => relay.broker.connectedClients === 2);
    const again = await connectClient(relay, { clientId: 'room-again' });
    await Promise.all([again, ...held.slice(1)].map((c) => c.endAsync()));
  } finally {
    await relay.close();
  }
});

