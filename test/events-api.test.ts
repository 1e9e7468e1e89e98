// GET /api/v2/events (relaymq extension) as a dashboard sees it: Server-Sent Events for client,
// session, subscription, message-drop and plugin events, filtered by type and client id, with
// heartbeats and the bearer token; a listener that stops reading is cut off with a final event
// and the broker goes on.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect as netConnect } from 'node:net';
import { startTestRelay, http, connectClient, waitFor } from './helpers.ts';
import type { RelayMQ } from '../src/app.ts';

interface Stream {
  res: IncomingMessage;
  events: { event: string; data: any }[];
  comments: string[];
  ended: boolean;
  close(): void;
}

/** Opens the event stream and parses what arrives (bounded by the test's own waits). */
function openStream(relay: RelayMQ, query = '', headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest;
    req = request({ host: '127.0.0.1', port: relay.ports.http!, path: `/api/v2/events${query}`, headers }, (res) => {
      const s: Stream = { res, events: [], comments: [], ended: false, close: () => req.destroy() };
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) s.comments.push(block);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) s.events.push({ event, data: JSON.parse(data) });
        }
      });
      res.on('close', () => { s.ended = true; });
      resolve(s);
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    req.end();
  });
}

const types = (s: Stream) => s.events.map((e) => e.event);

describe('event stream', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay({ broker: { mqtt: { max_mqueue_len: 1 } } }); });
  after(() => relay.close());

  test('client, session and subscription events, each with node id, time and its fields', async () => {
    const s = await openStream(relay);
    assert.equal(s.res.statusCode, 200);
    assert.match(String(s.res.headers['content-type']), /^text\/event-stream/);
    await waitFor(() => s.events.length >= 1, 5000, 'stream.open');
    assert.equal(s.events[0].event, 'stream.open');

    const c = await connectClient(relay, { clientId: 'ev-1', protocolVersion: 5, username: 'eve' });
    await c.subscribeAsync('ev/+', { qos: 1 });
    await c.unsubscribeAsync('ev/+');
    await c.endAsync();
    await waitFor(() => types(s).includes('client.disconnected'), 5000, 'client.disconnected');
    const mine = s.events.filter((e) => e.data.clientid === 'ev-1');
    assert.deepEqual(mine.map((e) => e.event), ['session.created', 'client.connected', 'client.subscribed', 'client.unsubscribed', 'client.disconnected']);
    const connected = mine[1].data;
    assert.deepEqual({ ...connected, time: undefined }, { type: 'client.connected', node_id: 1, time: undefined, clientid: 'ev-1', username: 'eve', ip_address: '127.0.0.1', proto_ver: 5 });
    assert.ok(Math.abs(connected.time - Date.now()) < 10_000);
    assert.deepEqual(mine[2].data.topic, 'ev/+');
    assert.equal(mine[2].data.qos, 1);
    assert.equal(mine[4].data.reason, 'client disconnected');
    s.close();
  });

  test('filters by type and by client id; session.expired, message.dropped and plugin events', async () => {
    const only = await openStream(relay, '?type=client.connected,session.expired&clientid=ev-2');
    const drops = await openStream(relay, '?type=message.dropped,plugin.loaded,plugin.unloaded');
    const other = await connectClient(relay, { clientId: 'ev-other' });
    const c = await connectClient(relay, { clientId: 'ev-2', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 1 } });
    await c.subscribeAsync('drop/#', { qos: 1 });
    c.end(true); // gone without reading: with max_mqueue_len = 1, the second queued message is dropped
    await waitFor(async () => (await http(relay, 'GET', '/api/v2/clients/ev-2/online')).json.data === false, 5000, 'offline');
    const pub = await connectClient(relay, { clientId: 'ev-pub' });
    for (let i = 0; i < 3; i++) await pub.publishAsync('drop/x', `d${i}`, { qos: 1 });
    await waitFor(() => types(drops).includes('message.dropped'), 5000, 'message.dropped');
    const dropped = drops.events.find((e) => e.event === 'message.dropped')!.data;
    assert.deepEqual([dropped.clientid, dropped.topic, dropped.qos], ['ev-2', 'drop/x', 1]);
    assert.equal(typeof dropped.reason, 'string');

    assert.equal((await http(relay, 'PUT', '/api/v2/plugins/1/rmqtt-counter/unload')).json.code, 0);
    assert.equal((await http(relay, 'PUT', '/api/v2/plugins/1/rmqtt-counter/load')).json.code, 0);
    await waitFor(() => types(drops).includes('plugin.loaded'), 5000, 'plugin.loaded');
    assert.deepEqual(drops.events.filter((e) => e.event.startsWith('plugin.')).map((e) => [e.event, e.data.plugin]),
      [['plugin.unloaded', 'rmqtt-counter'], ['plugin.loaded', 'rmqtt-counter']]);

    await waitFor(() => types(only).includes('session.expired'), 5000, 'session.expired');
    assert.deepEqual(types(only), ['stream.open', 'client.connected', 'session.expired']);
    assert.ok(only.events.slice(1).every((e) => e.data.clientid === 'ev-2'));
    for (const x of [only, drops]) x.close();
    await Promise.all([other.endAsync(), pub.endAsync()]);
  });

  test('heartbeats keep the stream alive', async () => {
    const s = await openStream(relay, '?heartbeat=1');
    await waitFor(() => s.comments.length >= 1, 3000, 'a heartbeat');
    assert.equal(s.comments[0], ': heartbeat');
    s.close();
  });

  test('timeout: the server ends the stream after that many seconds', async () => {
    const started = Date.now();
    const s = await openStream(relay, '?timeout=1');
    await waitFor(() => s.ended, 3000, 'the end of the stream');
    assert.ok(Date.now() - started >= 900, `ended after ${Date.now() - started} ms`);
    assert.equal(s.events[0].event, 'stream.open');
  });

  test('bad filters are 400s in the envelope', async () => {
    for (const q of ['?type=client.exploded', '?type=', '?heartbeat=0', '?heartbeat=301', '?clientid=', '?timeout=0']) {
      const r = await http(relay, 'GET', `/api/v2/events${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.json.code, 400);
    }
  });

  test('a listener that stops reading is cut off with stream.overflow; the broker and other listeners go on', async () => {
    // A raw connection that never reads: its socket buffers fill, then its 1,000 pending events.
    const slow = netConnect(relay.ports.http!, '127.0.0.1');
    await new Promise((r) => slow.once('connect', r));
    slow.on('error', () => {});
    slow.write('GET /api/v2/events?type=message.dropped HTTP/1.1\r\nHost: x\r\n\r\n');
    slow.pause();
    const healthy = await openStream(relay, '?type=client.connected');
    await waitFor(() => healthy.events.length >= 1, 5000, 'the healthy listener\'s stream.open');

    // Dropped messages on long topics (30 kB events): a subscriber holding one queued message, flooded.
    const sink = await connectClient(relay, { clientId: 'ev-sink', clean: false });
    await sink.subscribeAsync('flood/#', { qos: 1 });
    sink.end(true);
    const pub = await connectClient(relay, { clientId: 'ev-flood' });
    const long = 't'.repeat(30_000);
    for (let batch = 0; batch < 15; batch++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => pub.publishAsync(`flood/${long}/${batch}/${i}`, 'x', { qos: 1 })));
    }
    // Reading now, the listener finds its buffers, then the overflow event, then the end.
    const text = await new Promise<string>((resolve) => {
      const chunks: string[] = [];
      slow.setEncoding('utf8');
      slow.on('data', (d: string) => chunks.push(d));
      slow.on('end', () => resolve(chunks.join('')));
      slow.resume();
      setTimeout(() => resolve(chunks.join('')), 10_000).unref();
    });
    const events = [...text.matchAll(/^event: (.*)$/gm)].map((m) => m[1]);
    assert.equal(events.at(-1), 'stream.overflow');
    assert.ok(events.length < 1500, `cut off before the flood ended (${events.length} events)`);
    assert.ok(slow.readableEnded, 'the connection was closed');

    const late = await connectClient(relay, { clientId: 'ev-after-flood' });
    await waitFor(() => healthy.events.some((e) => e.data.clientid === 'ev-after-flood'), 5000, 'the healthy listener still served');
    assert.equal(healthy.ended, false);
    await Promise.all([late.endAsync(), pub.endAsync()]);
    healthy.close();
  });
});

describe('event stream with a bearer token', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay({ httpApi: { http_bearer_token: 'sse-secret' } }); });
  after(() => relay.close());

  test('needs the token like every other operation', async () => {
    const denied = await http(relay, 'GET', '/api/v2/events');
    assert.deepEqual([denied.status, denied.json.code], [401, 401]);
    const s = await openStream(relay, '', { authorization: 'Bearer sse-secret' });
    assert.equal(s.res.statusCode, 200);
    await waitFor(() => s.events.length >= 1, 5000, 'stream.open');
    s.close();
  });
});
