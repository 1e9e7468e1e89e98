// Each Aedes behaviour the seam (src/broker/aedes-seam.ts) relies on, checked against bare Aedes
// on a real port: if an Aedes upgrade changes one, its test fails here first.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { Aedes, type AedesOptions, type AedesPublishPacket, type Client } from 'aedes';
import { pino } from 'pino';
import { AedesSeam, type DeliverFn, type InboundPacket, type OutboundPacket, type SeamOrder } from '../src/broker/aedes-seam.ts';
import { MqttStore } from '../src/persistence/mqtt-store.ts';
import { MemoryBackend } from '../src/persistence/backend.ts';
import { rawClient } from './raw-mqtt.ts';
import { waitFor, startTestRelay, connectClient, getData } from './helpers.ts';

async function withSeam(order: Partial<SeamOrder>, run: (ctx: { broker: Aedes; seam: AedesSeam; port: number }) => Promise<void>, opts: Partial<AedesOptions> = {}) {
  const broker = await Aedes.createBroker({ persistence: new MqttStore(new MemoryBackend()), ...opts } as AedesOptions);
  const seam = new AedesSeam(broker, pino({ level: 'silent' }));
  seam.install({ publish: [], refused: [], inbound: [], outbound: [], closed: [], deliver: [], ...order });
  const server = createServer((conn) => seam.attach(broker.handle(conn)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await run({ broker, seam, port: (server.address() as AddressInfo).port });
  } finally {
    await new Promise<void>((r) => broker.close(() => server.close(() => r())));
  }
}

describe('the Aedes seam', { timeout: 30_000 }, () => {
  test('publish: client PUBLISHes, wills and programmatic publishes all enter through broker.publish', async () => {
    const seen: string[] = [];
    await withSeam({ publish: [(p, client) => { if (!p.topic.startsWith('$SYS')) seen.push(`${p.topic}:${client?.id ?? 'none'}`); }] }, async ({ broker, port }) => {
      const c = await rawClient(port, 'w', { connect: { will: { topic: 'will/t', payload: Buffer.from('bye'), qos: 0, retain: false } } });
      c.send({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
      await waitFor(() => seen.includes('a/b:w'));
      c.destroy(); // no DISCONNECT: the will is published
      await waitFor(() => seen.includes('will/t:w'));
      await new Promise<void>((r) => broker.publish({ cmd: 'publish', topic: 'api/t', payload: Buffer.from('y'), qos: 0, retain: false, dup: false } as never, () => r()));
      assert.deepEqual(seen, ['a/b:w', 'will/t:w', 'api/t:none']);
    });
  });

  test('inbound: a prepended parser listener sees a SUBSCRIBE before Aedes and may rewrite its filters', async () => {
    const rewrite = (_c: Client, p: InboundPacket) => { for (const s of p.subscriptions ?? []) if (s.topic === 'outer') s.topic = 'inner'; };
    await withSeam({ inbound: [rewrite] }, async ({ broker, port }) => {
      const c = await rawClient(port, 's');
      await c.subscribe('outer', 0);
      assert.deepEqual(Object.keys(broker.clients.s.subscriptions), ['inner']);
      const p = await rawClient(port, 'p');
      p.send({ cmd: 'publish', topic: 'inner', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
      await waitFor(() => c.publishes.length === 1);
      c.destroy();
      p.destroy();
    });
  });

  test('inbound: a dropped packet never reaches Aedes; handOver gives it a held one later', async () => {
    let held: { client: Client; packet: InboundPacket } | undefined;
    const hold = (client: Client, packet: InboundPacket) => {
      if (packet.cmd === 'connect' && !held) { held = { client, packet }; return 'drop' as const; }
      if (packet.cmd === 'subscribe' && packet.subscriptions?.[0]?.topic === 'x') return 'drop' as const;
    };
    await withSeam({ inbound: [hold] }, async ({ broker, seam, port }) => {
      const pending = rawClient(port, 'late');
      await waitFor(() => held !== undefined);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(broker.clients.late, undefined, 'Aedes has not seen the CONNECT');
      seam.handOver(held!.client, held!.packet);
      const c = await pending;
      assert.equal(c.connack!.returnCode, 0);
      c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x', qos: 0 }] });
      // Aedes answers one client's SUBSCRIBEs in order: once the next one is answered, the dropped one never will be.
      c.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'y', qos: 0 }] });
      await waitFor(() => c.packets.some((p) => p.cmd === 'suback'));
      assert.deepEqual(c.packets.filter((p) => p.cmd === 'suback').map((p) => p.messageId), [2], 'the dropped SUBSCRIBE got no SUBACK');
      c.destroy();
    });
  });

  test('outbound: beforeWrite stages see every packet; null means not sent', async () => {
    const stage = (_c: Client, p: OutboundPacket) => (p.cmd === 'publish' && p.topic === 'hidden' ? null : p);
    await withSeam({ outbound: [stage] }, async ({ port }) => {
      const s = await rawClient(port, 's');
      await s.subscribe('#', 0);
      const p = await rawClient(port, 'p');
      for (const topic of ['hidden', 'shown']) p.send({ cmd: 'publish', topic, payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
      // One publisher, one subscriber: a 'hidden' that was sent would arrive before 'shown'.
      await waitFor(() => s.publishes.some((x) => x.topic === 'shown'));
      assert.deepEqual(s.publishes.map((x) => x.topic), ['shown']);
      s.destroy();
      p.destroy();
    });
  });

  test('deliver: live QoS 1 deliveries and retained messages sent on subscribe (brokerId null) go through client.deliverQoS', async () => {
    const delivered: string[] = [];
    const stage = (client: Client, p: AedesPublishPacket, cb: () => void, next: DeliverFn) => {
      delivered.push(`${p.topic}:${p.brokerId === null ? 'retained' : 'live'}`);
      next(client, p, cb);
    };
    await withSeam({ deliver: [stage] }, async ({ port }) => {
      const p = await rawClient(port, 'p');
      p.send({ cmd: 'publish', topic: 'r/1', payload: Buffer.from('kept'), qos: 1, messageId: 1, retain: true, dup: false });
      await p.next((x) => x.cmd === 'puback');
      const s = await rawClient(port, 's');
      await s.subscribe('r/#', 1);
      p.send({ cmd: 'publish', topic: 'r/2', payload: Buffer.from('live'), qos: 1, messageId: 2, retain: false, dup: false });
      await waitFor(() => s.publishes.length === 2);
      assert.deepEqual(delivered, ['r/1:retained', 'r/2:live']);
      s.destroy();
      p.destroy();
    });
  });

  test('closed: every connection, registered or not, is reported once, with its client (Aedes links conn.client and parser.client)', async () => {
    const closed: string[] = [];
    await withSeam({ closed: [(client) => closed.push(client.id ?? '(no id)')] }, async ({ broker, port }) => {
      const c = await rawClient(port, 'one');
      const client = broker.clients.one;
      assert.equal((client.conn as unknown as { client: Client }).client, client);
      assert.equal((client._parser as unknown as { client: Client }).client, client);
      c.destroy();
      await waitFor(() => closed.length === 1);
      // A connection closed before its CONNECT never registers; it is reported all the same.
      const raw = createConnection(port, '127.0.0.1');
      await new Promise((r) => raw.once('connect', r));
      raw.destroy();
      await waitFor(() => closed.length === 2);
      // A barrier, not a pause: a second report of either would come before this one's.
      (await rawClient(port, 'barrier')).destroy();
      await waitFor(() => closed.includes('barrier'));
      assert.deepEqual(closed.slice(0, -1), ['one', '(no id)']);
    });
  });

  test('stored: a stored message resent after a reconnect goes through the stored writer, which writes it with Aedes\' own', async () => {
    const seen: string[] = [];
    const stored: SeamOrder['stored'] = (client, packet, write, done) => { seen.push(`${client.id}:${packet.payload}`); write(client, packet, done); };
    await withSeam({ stored }, async ({ port }) => {
      const s = await rawClient(port, 'keep', { clean: false });
      await s.subscribe('t', 1);
      s.destroy();
      const p = await rawClient(port, 'p');
      p.send({ cmd: 'publish', topic: 't', payload: Buffer.from('while away'), qos: 1, messageId: 1, retain: false, dup: false });
      await p.next((x) => x.cmd === 'puback');
      const back = await rawClient(port, 'keep', { clean: false });
      await waitFor(() => back.publishes.length === 1);
      assert.equal(String(back.publishes[0].payload), 'while away');
      assert.deepEqual(seen, ['keep:while away']);
      back.destroy();
      p.destroy();
    });
  });

  test('packet ids: Aedes assigns client._nextId to a packet without one, and the seam continues that rotation', async () => {
    await withSeam({}, async ({ broker, seam, port }) => {
      const s = await rawClient(port, 's');
      await s.subscribe('t', 1);
      const client = broker.clients.s;
      const mine = seam.nextPacketId(client, () => false);
      const p = await rawClient(port, 'p');
      p.send({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: 1, retain: false, dup: false });
      await waitFor(() => s.publishes.length === 1);
      assert.equal(s.publishes[0].messageId, mine === 65535 ? 1 : mine + 1);
      const busy = client._nextId;
      assert.equal(seam.nextPacketId(client, (id) => id === busy), busy === 65535 ? 1 : busy + 1, 'an id still in flight is skipped');
      s.destroy();
      p.destroy();
    });
  });

  test('takeover: the old connection leaves while broker._takingOver holds its id', async () => {
    await withSeam({}, async ({ seam, port }) => {
      const during: boolean[] = [];
      seam.on('clientDisconnect', (client: Client) => during.push(seam.takingOver(client.id)));
      const first = await rawClient(port, 'same');
      const second = await rawClient(port, 'same');
      await waitFor(() => first.closed);
      assert.deepEqual(during, [true]);
      assert.equal(seam.takingOver('same'), false, 'cleared once the new connection is registered');
      second.destroy();
    });
  });

  test('isolation: an observer that throws is skipped; Aedes carries on', async () => {
    const boom = () => { throw new Error('observer bug'); };
    await withSeam({ publish: [boom], inbound: [boom] }, async ({ port }) => {
      const s = await rawClient(port, 's');
      await s.subscribe('t', 0);
      const p = await rawClient(port, 'p');
      p.send({ cmd: 'publish', topic: 't', payload: Buffer.from('still delivered'), qos: 0, retain: false, dup: false });
      await waitFor(() => s.publishes.length === 1);
      s.destroy();
      p.destroy();
    });
  });

  test('a broker event listener that throws (a buggy plugin) does not stop the others or the broker', async () => {
    const relay = await startTestRelay();
    try {
      relay.hooks.on('client.connected', () => { throw new Error('plugin bug'); });
      // Reloading the counter puts its listener after the faulty one.
      await relay.plugins.unload('rmqtt-counter');
      await relay.plugins.load('rmqtt-counter');
      const c = await connectClient(relay, { clientId: 'after-bug' });
      const row = await getData(relay, '/api/v2/clients/after-bug');
      assert.equal(row.connected, true);
      assert.equal((await getData(relay, '/api/v2/metrics/1')).metrics['client.connected'], 1, 'the counter, listening after it, still counted');
      await c.endAsync();
    } finally {
      await relay.close();
    }
  });
});
