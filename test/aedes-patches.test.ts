// One test per Aedes patch (patches/aedes+2.0.0-beta.1+NNN+*.patch), against bare Aedes on a
// real port with a real store, so each fails when its patch is missing.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import mqttPacket from 'mqtt-packet';
import { WebSocket, WebSocketServer, createWebSocketStream } from 'ws';
import { Aedes, type AedesOptions } from 'aedes';
import mqemitter from 'mqemitter';
import { MqttStore } from '../src/persistence/mqtt-store.ts';
import { MemoryBackend } from '../src/persistence/backend.ts';
import { rawClient, type RawClient } from './raw-mqtt.ts';
import { waitFor } from './helpers.ts';

interface Bare { broker: Aedes; store: MqttStore; port: number; close(): Promise<void> }

async function bareAedes(opts: Partial<AedesOptions> = {}, tweak: (s: MqttStore) => void = () => {}, store = new MqttStore(new MemoryBackend())): Promise<Bare> {
  tweak(store);
  const broker = await Aedes.createBroker({ persistence: store, ...opts } as AedesOptions);
  const server: Server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    broker, store, port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => broker.close(() => server.close(() => r()))),
  };
}

const publish = (c: RawClient, topic: string, payload: string, qos: 0 | 1 | 2, messageId: number, extra: object = {}) =>
  c.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, messageId, retain: false, dup: false, ...extra });

/** An offline persistent subscriber, so that QoS 1/2 messages on t/# are queued in the store. */
async function offlineSubscriber(b: Bare, id = 'offline'): Promise<void> {
  const s = await rawClient(b.port, id, { clean: false });
  await s.subscribe('t/#', 1);
  s.destroy();
  await waitFor(() => !b.broker.clients[id]);
}

describe('Aedes patches', { timeout: 60_000 }, () => {
  test('001: PUBACK only after the store has the message; a store failure is refused (v5 0x80, v3 disconnect)', async () => {
    let release!: () => void;
    let enqueued = 0;
    const b = await bareAedes({}, (s) => {
      const enqueue = s.outgoingEnqueueCombi.bind(s);
      s.outgoingEnqueueCombi = async (subs, packet) => {
        if ((packet as { topic: string }).topic === 't/slow') await new Promise<void>((r) => { release = r; });
        if ((packet as { topic: string }).topic === 't/fail') throw new Error('disk full');
        await enqueue(subs, packet);
        enqueued++;
      };
    });
    const refused: string[] = [];
    b.broker.on('publishRefused' as never, ((packet: { payload: Buffer }) => refused.push(packet.payload.toString())) as never);
    try {
      await offlineSubscriber(b);
      const p = await rawClient(b.port, 'pub5', { version: 5 });
      publish(p, 't/slow', 'x', 1, 1);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(p.packets.filter((x) => x.cmd === 'puback').length, 0, 'no PUBACK while the store has not stored it');
      const ack = p.next((x) => x.cmd === 'puback');
      release();
      assert.equal((await ack).reasonCode, 0);
      assert.equal(enqueued, 1);

      publish(p, 't/fail', 'y', 1, 2);
      assert.equal((await p.next((x) => x.cmd === 'puback' && x.messageId === 2)).reasonCode, 0x80);
      publish(p, 't/fail', 'z', 2, 3);
      assert.equal((await p.next((x) => x.cmd === 'pubrec' && x.messageId === 3)).reasonCode, 0x80);
      await assert.rejects(b.store.incomingGetPacket({ id: 'pub5' }, { messageId: 3 }), /no such packet/, 'a refused QoS 2 message leaves no record');
      assert.equal(p.closed, false, 'MQTT 5: the connection stays');

      const p3 = await rawClient(b.port, 'pub3', { version: 4 });
      publish(p3, 't/fail', 'w', 1, 1);
      await waitFor(() => p3.closed, 5000, 'MQTT 3.1.1 publisher disconnected');
      assert.equal(p3.packets.filter((x) => x.cmd === 'puback').length, 0);
      assert.deepEqual(refused, ['y', 'z', 'w'], "each refusal is reported by 'publishRefused'");
      p.destroy();
    } finally {
      await b.close();
    }
  });

  test('002: a failing subscription lookup fails the publish instead of hanging it', async () => {
    const b = await bareAedes({}, (s) => { s.subscriptionsByTopic = async () => { throw new Error('lookup failed'); }; });
    (b.broker as unknown as import('node:events').EventEmitter).on('error', () => {});
    try {
      const p = await rawClient(b.port, 'pub', { version: 5 });
      publish(p, 't/x', 'x', 1, 1);
      assert.equal((await p.next((x) => x.cmd === 'puback', 3000)).reasonCode, 0x80);
      p.destroy();
    } finally {
      await b.close();
    }
  });

  test('003: DUP is 0 on delivery (also for QoS 0 and a DUP=1 publish) and 1 when a sent message is resent', async () => {
    const b = await bareAedes();
    try {
      const s = await rawClient(b.port, 'sub', { clean: false });
      await s.subscribe('t/#', 1);
      const p = await rawClient(b.port, 'pub');
      publish(p, 't/a', 'a', 1, 1, { dup: true });
      publish(p, 't/b', 'b', 0, 0, {});
      await waitFor(() => s.publishes.length === 2);
      assert.deepEqual(s.publishes.map((x) => x.dup), [false, false]);
      s.destroy();
      await waitFor(() => !b.broker.clients.sub);
      const again = await rawClient(b.port, 'sub', { clean: false });
      await waitFor(() => again.publishes.length === 1);
      assert.deepEqual([again.publishes[0].payload, again.publishes[0].dup], ['a', true]);
      again.destroy();
      p.destroy();
    } finally {
      await b.close();
    }
  });

  test('004: Clean Start empties the stored queue before the CONNACK', async () => {
    const b = await bareAedes();
    try {
      await offlineSubscriber(b, 'q');
      const p = await rawClient(b.port, 'pub');
      for (let i = 1; i <= 3; i++) { publish(p, 't/x', `m${i}`, 1, i); await p.next((x) => x.cmd === 'puback' && x.messageId === i); }
      assert.equal(b.store.queueLength('q'), 3);
      let atConnack = -1;
      b.broker.on('connackSent', (_c: unknown, client: { id: string }) => { if (client.id === 'q') atConnack = b.store.queueLength('q'); });
      const c = await rawClient(b.port, 'q', { clean: true });
      assert.equal(atConnack, 0);
      c.destroy();
      p.destroy();
    } finally {
      await b.close();
    }
  });

  test('005: QoS 2 messages awaiting PUBREL are forgotten when a clean session ends and on Clean Start', async () => {
    const b = await bareAedes();
    try {
      const a = await rawClient(b.port, 'c', { clean: true });
      publish(a, 't/x', 'x', 2, 5);
      await a.next((x) => x.cmd === 'pubrec');
      assert.equal(b.store.incomingCount(), 1);
      a.destroy();
      await waitFor(() => b.store.incomingCount() === 0, 3000, 'cleared when the clean session ended');

      const d = await rawClient(b.port, 'd', { clean: false });
      publish(d, 't/x', 'x', 2, 6);
      await d.next((x) => x.cmd === 'pubrec');
      d.destroy();
      await waitFor(() => !b.broker.clients.d);
      assert.equal(b.store.incomingCount(), 1, 'a persistent session keeps it');
      const e = await rawClient(b.port, 'd', { clean: true });
      assert.equal(b.store.incomingCount(), 0, 'Clean Start clears it');
      e.destroy();
    } finally {
      await b.close();
    }
  });

  test('006: each filter of a SUBSCRIBE is stored once, as authorized; a store failure refuses only that filter', async () => {
    const written: string[] = [];
    const b = await bareAedes({
      authorizeSubscribe: (_c, sub, done) => done(null, sub.topic === 'denied' ? null : sub),
    }, (s) => {
      const add = s.addSubscriptions.bind(s);
      s.addSubscriptions = async (client, subs) => {
        if (subs.some((x) => x.topic === 'broken')) throw new Error('disk full');
        written.push(...subs.map((x) => x.topic));
        return add(client, subs);
      };
    });
    b.broker.on('clientError', () => {});
    try {
      const c = await rawClient(b.port, 's', { clean: false, version: 5, expiry: 300 });
      c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a', qos: 1 }, { topic: 'denied', qos: 1 }, { topic: 'b', qos: 0 }, { topic: 'broken', qos: 1 }] });
      const suback = await c.next((x) => x.cmd === 'suback');
      assert.deepEqual(suback.granted, [1, 0x87, 0, 0x80]);
      assert.deepEqual(written.sort(), ['a', 'b']);
      assert.deepEqual((await b.store.subscriptionsByClient({ id: 's' })).map((x) => x.topic).sort(), ['a', 'b']);
      assert.equal(c.closed, false);
      c.destroy();
    } finally {
      await b.close();
    }
  });

  test('007: an MQTT 5 resume (Clean Start 0) without Session Expiry Interval still delivers the queue', async () => {
    const b = await bareAedes();
    try {
      const s = await rawClient(b.port, 'r5', { version: 5, clean: false, expiry: 300 });
      await s.subscribe('t/#', 1);
      s.destroy();
      await waitFor(() => !b.broker.clients.r5);
      const p = await rawClient(b.port, 'pub');
      publish(p, 't/x', 'queued', 1, 1);
      await p.next((x) => x.cmd === 'puback');
      const back = await rawClient(b.port, 'r5', { version: 5, clean: false });
      await waitFor(() => back.publishes.length === 1, 3000, 'the queued message');
      assert.equal(back.publishes[0].payload, 'queued');
      back.destroy();
      p.destroy();
    } finally {
      await b.close();
    }
  });

  test('008: connackProperties lets the application adjust the v5 CONNACK', async () => {
    const b = await bareAedes({
      connackProperties: (_client: unknown, props: Record<string, unknown>) => { props.sharedSubscriptionAvailable = true; props.maximumQoS = 1; },
    } as Partial<AedesOptions>);
    try {
      const c = await rawClient(b.port, 'x', { version: 5 });
      assert.equal(c.connack!.properties?.sharedSubscriptionAvailable, true);
      assert.equal(c.connack!.properties?.maximumQoS, 1);
      c.destroy();
    } finally {
      await b.close();
    }
  });

  test('009: client ids and filters such as "constructor" or "__proto__" are plain keys', async () => {
    const b = await bareAedes();
    try {
      const c = await rawClient(b.port, 'constructor');
      c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '__proto__', qos: 0 }, { topic: 'constructor', qos: 0 }] });
      assert.deepEqual((await c.next((x) => x.cmd === 'suback')).granted, [0, 0]);
      const p = await rawClient(b.port, '__proto__');
      publish(p, 'constructor', 'ok', 0, 0);
      await waitFor(() => c.publishes.length === 1);
      assert.equal(c.publishes[0].payload, 'ok');
      c.destroy();
      p.destroy();
    } finally {
      await b.close();
    }
  });

  test('014: beforeWrite sees every packet to a client and may change it or not send it', async () => {
    const seen: string[] = [];
    const b = await bareAedes({
      beforeWrite: (_client: unknown, packet: { cmd: string; topic?: string }) => {
        seen.push(packet.cmd);
        if (packet.topic === 't/hidden') return null;
        return packet.topic === 't/a' ? { ...packet, topic: 't/changed' } : packet;
      },
    } as Partial<AedesOptions>);
    try {
      const c = await rawClient(b.port, 'c');
      await c.subscribe('t/#', 0);
      const p = await rawClient(b.port, 'p');
      publish(p, 't/hidden', 'h', 0, 0);
      publish(p, 't/a', 'a', 0, 0);
      // One publisher, one subscriber: a t/hidden that was sent would arrive before t/changed.
      await waitFor(() => c.publishes.some((x) => x.topic === 't/changed'));
      assert.deepEqual(c.publishes.map((x) => x.topic), ['t/changed']);
      for (const cmd of ['connack', 'suback', 'publish']) assert.ok(seen.includes(cmd), cmd);
      c.destroy();
      p.destroy();
    } finally {
      await b.close();
    }
  });

  test('015: stored messages resent after a reconnect go through client.writeStored, one after the other', async () => {
    const b = await bareAedes();
    try {
      await offlineSubscriber(b, 's');
      const p = await rawClient(b.port, 'p');
      for (let i = 1; i <= 3; i++) publish(p, 't/x', `m${i}`, 1, i);
      await waitFor(() => p.packets.filter((x) => x.cmd === 'puback').length === 3);
      const paced: string[] = [];
      let pending: (() => void) | undefined;
      b.broker.on('client', (client: any) => {
        const write = client.writeStored.bind(client);
        client.writeStored = (packet: { payload: Buffer }, done: () => void) => {
          paced.push(packet.payload.toString());
          pending = () => write(packet, done);
        };
      });
      const s = await rawClient(b.port, 's', { clean: false });
      await waitFor(() => paced.length === 1);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(paced.length, 1, 'the next one waits for the previous callback');
      for (let i = 0; i < 3; i++) { const go = pending!; pending = undefined; go(); await waitFor(() => s.publishes.length === i + 1); }
      assert.deepEqual(s.publishes.map((x) => x.payload), ['m1', 'm2', 'm3']);
      s.destroy();
      p.destroy();
    } finally {
      await b.close();
    }
  });

  test('016: serverKeepAlive is imposed on MQTT 5 clients; keepaliveLimit then bounds MQTT 3.1.1 only', async () => {
    const b = await bareAedes({ serverKeepAlive: 30, keepaliveLimit: 100 } as Partial<AedesOptions>);
    try {
      const c5 = await rawClient(b.port, 'v5', { version: 5, keepalive: 0 });
      assert.equal(c5.connack!.properties?.serverKeepAlive, 30);
      const c4 = await rawClient(b.port, 'v4', { keepalive: 0 });
      assert.equal(c4.connack!.returnCode, 0);
      c5.destroy();
      c4.destroy();
    } finally {
      await b.close();
    }
  });

  test('017: a published will carries no Will Delay Interval', async () => {
    const b = await bareAedes();
    try {
      const s = await rawClient(b.port, 's', { version: 5 });
      s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'will/#', qos: 0 }] });
      await s.next((x) => x.cmd === 'suback');
      const w = await rawClient(b.port, 'w', {
        version: 5, expiry: 10,
        connect: { will: { topic: 'will/w', payload: Buffer.from('gone'), qos: 0, retain: false, properties: { willDelayInterval: 1, contentType: 'text/plain' } } },
      });
      w.destroy();
      const will = await s.next((x) => x.cmd === 'publish', 5000);
      assert.equal(will.properties?.willDelayInterval, undefined);
      assert.equal(will.properties?.contentType, 'text/plain');
      s.destroy();
    } finally {
      await b.close();
    }
  });

  test('018: the SUBACK grants the QoS the authorizer set, not the one asked for', async () => {
    const b = await bareAedes({
      authorizeSubscribe: (_c: unknown, sub: { qos: number }, done: (e: null, s: unknown) => void) => { sub.qos = Math.min(sub.qos, 1); done(null, sub); },
    } as Partial<AedesOptions>);
    try {
      const c = await rawClient(b.port, 'c', { version: 5 });
      c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a', qos: 2 }, { topic: 'b', qos: 0 }] });
      assert.deepEqual((await c.next((x) => x.cmd === 'suback')).granted, [1, 0]);
      c.destroy();
    } finally {
      await b.close();
    }
  });

  test('019: a client taken over on another broker sharing the store gets DISCONNECT 0x8E and its session survives', async () => {
    // Two brokers sharing one store and one emitter, as Aedes brokers of a cluster do.
    const store = new MqttStore(new MemoryBackend());
    const mq = mqemitter({ matchEmptyLevels: true });
    const [a, b] = await Promise.all([bareAedes({ mq, id: 'A' } as Partial<AedesOptions>, undefined, store), bareAedes({ mq, id: 'B' } as Partial<AedesOptions>, undefined, store)]);
    try {
      const first = await rawClient(a.port, 'moving', { version: 5, clean: false, expiry: 1 });
      await first.subscribe('t/#', 1);
      const gone = first.next((x) => x.cmd === 'disconnect');
      const second = await rawClient(b.port, 'moving', { version: 5, clean: false, expiry: 60 });
      assert.equal((await gone).reasonCode, 0x8e);
      await waitFor(() => !a.broker.clients.moving, 5000, 'the old connection closed');
      // The old connection's 1 s expiry must not wipe the session the second broker resumed.
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual((await store.subscriptionsByClient({ id: 'moving' })).map((s) => s.topic), ['t/#']);
      second.destroy();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('020: a QoS 1 message overtaken by a later QoS 0 one (it waited for the store) is still delivered', async () => {
    let release!: () => void;
    const b = await bareAedes({}, (st) => {
      const enqueue = st.outgoingEnqueueCombi.bind(st);
      st.outgoingEnqueueCombi = async (subs, packet) => {
        if ((packet as { topic: string }).topic === 't/slow') await new Promise<void>((r) => { release = r; });
        return enqueue(subs, packet);
      };
    });
    try {
      const sub = await rawClient(b.port, 'persistent', { clean: false });
      await sub.subscribe('t/#', 1);
      const pub = await rawClient(b.port, 'pub');
      publish(pub, 't/slow', 'acknowledged', 1, 1); // numbered first, waits for the store
      await waitFor(() => release !== undefined);
      publish(pub, 't/fast', 'later', 0, 0); // numbered after it, delivered at once
      await waitFor(() => sub.publishes.length === 1);
      release();
      await pub.next((x) => x.cmd === 'puback');
      await waitFor(() => sub.publishes.length === 2, 2000, 'the QoS 1 message after the QoS 0 one');
      assert.deepEqual(sub.publishes.map((p) => p.payload), ['later', 'acknowledged']);
      // Two subscriptions matching one message still deliver it once.
      await sub.subscribe('t/+', 1);
      publish(pub, 't/both', 'once', 0, 0);
      publish(pub, 't/both', 'marker', 0, 0); // same publisher and QoS: arrives after every copy of 'once'
      await waitFor(() => sub.publishes.some((p) => p.payload === 'marker'), 2000, 'the marker');
      assert.equal(sub.publishes.filter((p) => p.payload === 'once').length, 1);
      sub.destroy();
      pub.destroy();
    } finally {
      await b.close();
    }
  });

  test('021: an authenticate error\'s reasonCode is the v5 CONNACK\'s (v3 keeps its returnCode)', async () => {
    const b = await bareAedes({
      authenticate: (client, _u, _p, done) => {
        if (client.id !== 'banned') return done(null, true);
        done(Object.assign(new Error('banned'), { returnCode: 5, reasonCode: 0x8a }) as never, false);
      },
    });
    try {
      const v5 = await rawClient(b.port, 'banned', { version: 5 });
      const v3 = await rawClient(b.port, 'banned', { version: 4 });
      const ok = await rawClient(b.port, 'welcome', { version: 5 });
      assert.deepEqual([v5.connack?.reasonCode, v3.connack?.returnCode, ok.connack?.reasonCode], [0x8a, 5, 0]);
      for (const c of [v5, v3, ok]) c.destroy();
    } finally {
      await b.close();
    }
  });

  test('022: a connection makes its topic-alias map with its first alias; aliases still resolve', async () => {
    const b = await bareAedes({ topicAliasMaximum: 10 });
    try {
      const sub = await rawClient(b.port, 'sub', { version: 5 });
      await sub.subscribe('al/#', 0);
      const pub = await rawClient(b.port, 'pub', { version: 5 });
      assert.equal((b.broker.clients.pub as unknown as { _topicAliases: unknown })._topicAliases, null, 'an idle connection has no alias map');
      publish(pub, 'al/t', 'named', 0, 0, { properties: { topicAlias: 1 } });
      publish(pub, '', 'by alias', 0, 0, { properties: { topicAlias: 1 } });
      await waitFor(() => sub.publishes.length === 2);
      assert.deepEqual(sub.publishes.map((p) => `${p.topic}:${p.payload}`), ['al/t:named', 'al/t:by alias']);
      // An alias the connection never registered is still a protocol error.
      const stray = await rawClient(b.port, 'stray', { version: 5 });
      publish(stray, '', 'unknown', 0, 0, { properties: { topicAlias: 2 } });
      await waitFor(() => stray.closed);
      sub.destroy();
      pub.destroy();
    } finally {
      await b.close();
    }
  });

  test('024: a client closes however its connection goes (FIN, RST, destroyed, WebSocket close), without end-of-stream', async () => {
    const b = await bareAedes();
    const http = createHttpServer();
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (ws) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => stream.destroy());
      b.broker.handle(stream as never);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const gone: string[] = [];
    b.broker.on('clientDisconnect', (client: { id: string }) => gone.push(client.id));
    const connect = (clientId: string) => mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: true, keepalive: 60 } as mqttPacket.IConnectPacket);
    const tcp = async (clientId: string) => {
      const socket = createConnection(b.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write(connect(clientId));
      await waitFor(() => b.broker.clients[clientId]?.connected === true);
      return socket;
    };
    try {
      const fin = await tcp('fin');
      assert.equal(b.broker.clients.fin.conn.listenerCount('finish'), 0, 'end-of-stream listens to the connection');
      fin.end();
      (await tcp('rst')).resetAndDestroy();
      await tcp('destroyed');
      b.broker.clients.destroyed.conn.destroy();
      const ws = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
      await new Promise((r) => ws.once('open', r));
      ws.send(connect('ws'));
      await waitFor(() => b.broker.clients.ws?.connected === true);
      ws.close();
      await waitFor(() => gone.length === 4);
      // A barrier, not a pause: a second close of any of the four would come before this one's.
      (await tcp('barrier')).destroy();
      await waitFor(() => gone.includes('barrier'));
      gone.splice(gone.indexOf('barrier'), 1);
      assert.deepEqual(gone.sort(), ['destroyed', 'fin', 'rst', 'ws'], 'each closed once');
      assert.deepEqual(Object.keys(b.broker.clients), []);
    } finally {
      wss.close();
      await new Promise((r) => http.close(r));
      await b.close();
    }
  });

  test('023: a connection makes its duplicates table with its first delivery; another broker\'s birth passes idle ones by', async () => {
    const b = await bareAedes();
    try {
      const idle = await rawClient(b.port, 'idle');
      assert.equal((b.broker.clients.idle as unknown as { duplicates: unknown }).duplicates, null, 'an idle connection has no duplicates table');
      // Another broker announcing itself resets every client's table for it: an idle one has none.
      await new Promise<void>((r, j) => b.broker.publish({ cmd: 'publish', topic: '$SYS/other-broker/birth', payload: Buffer.from('other-broker'), qos: 0, retain: false, dup: false } as never, (err?: Error) => (err ? j(err) : r())));
      const sub = await rawClient(b.port, 'sub');
      await sub.subscribe('d/#', 1);
      await sub.subscribe('d/+', 1);
      const pub = await rawClient(b.port, 'pub');
      publish(pub, 'd/x', 'once', 0, 0);
      publish(pub, 'd/x', 'marker', 0, 0);
      await waitFor(() => sub.publishes.some((p) => p.payload === 'marker'));
      assert.equal(sub.publishes.filter((p) => p.payload === 'once').length, 1, 'two matching subscriptions still deliver once');
      assert.equal(idle.closed, false);
      idle.destroy();
      sub.destroy();
      pub.destroy();
    } finally {
      await b.close();
    }
  });
});
