// POST /mqtt/publish, /mqtt/subscribe, /mqtt/unsubscribe and DELETE /clients/{id} as an
// operator uses them, observed by real MQTT 3.1.1 and 5 clients.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRelay, http, getData, connectClient, collect, waitFor } from './helpers.ts';
import type { RelayMQ } from '../src/app.ts';

const publish = (relay: RelayMQ, body: unknown) => http(relay, 'POST', '/api/v2/mqtt/publish', { body });

describe('POST /mqtt/publish', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay({ httpApi: { message_expiry_interval: '90s' } }); });
  after(() => relay.close());

  test('reaches an MQTT 3.1.1 and an MQTT 5 subscriber; v5 gets the properties and the default expiry', async () => {
    const v4 = await connectClient(relay, { clientId: 'p-v4', protocolVersion: 4 });
    const v5 = await connectClient(relay, { clientId: 'p-v5', protocolVersion: 5 });
    const in4 = collect(v4); const in5 = collect(v5);
    await v4.subscribeAsync('foo/#', { qos: 1 });
    await v5.subscribeAsync('foo/#', { qos: 1 });
    const r = await publish(relay, {
      topic: 'foo/1', payload: 'Hello World', qos: 1, retain: false, clientid: 'example',
      properties: { user_properties: { a: '1' }, content_type: 'text/plain', response_topic: 'reply/here', correlation_data: 'c-1', payload_format_indicator: 1 },
    });
    assert.deepEqual(r.json, { code: 0, msg: '', data: 'ok' });
    const [m4] = await in4.next(1);
    const [m5] = await in5.next(1);
    assert.equal(m4.topic, 'foo/1');
    assert.equal(m4.payload.toString(), 'Hello World');
    assert.equal(m4.packet.qos, 1);
    assert.equal(m5.payload.toString(), 'Hello World');
    const p = m5.packet.properties;
    assert.deepEqual({ ...p.userProperties }, { a: '1' });
    assert.equal(p.contentType, 'text/plain');
    assert.equal(p.responseTopic, 'reply/here');
    assert.equal(Buffer.from(p.correlationData).toString(), 'c-1');
    assert.equal(p.payloadFormatIndicator, true);
    assert.ok(p.messageExpiryInterval > 85 && p.messageExpiryInterval <= 90, `expiry ${p.messageExpiryInterval}`);

    // an explicit expiry overrides the default; 0 means none
    await publish(relay, { topic: 'foo/2', payload: 'x', qos: 1, properties: { message_expiry_interval: 0 } });
    const [, second] = await in5.next(2);
    assert.equal(second.packet.properties?.messageExpiryInterval, undefined);
    await Promise.all([v4.endAsync(), v5.endAsync()]);
  });

  test('base64 payloads, several topics, retained messages', async () => {
    const sub = await connectClient(relay, { clientId: 'p-multi', protocolVersion: 5 });
    const inbox = collect(sub);
    await sub.subscribeAsync('multi/+', { qos: 0 });
    assert.equal((await publish(relay, { topics: 'multi/a, multi/b ,multi/a', payload: 'SGVsbG8gV29ybGQ=', encoding: 'base64' })).status, 200);
    const got = await inbox.next(2);
    assert.deepEqual(got.map((m) => `${m.topic}=${m.payload}`).sort(), ['multi/a=Hello World', 'multi/b=Hello World']);

    assert.equal((await publish(relay, { topic: 'ret/1', payload: 'kept', retain: true, qos: 1 })).status, 200);
    const late = await connectClient(relay, { clientId: 'p-late', protocolVersion: 4 });
    const lateInbox = collect(late);
    await late.subscribeAsync('ret/#', { qos: 1 });
    const [r] = await lateInbox.next(1);
    assert.equal(r.payload.toString(), 'kept');
    assert.equal(r.packet.retain, true);
    await Promise.all([sub.endAsync(), late.endAsync()]);
  });

  test('invalid topics and payloads → 400 naming them', async () => {
    const bad = async (body: unknown, msg: RegExp) => {
      const r = await publish(relay, body);
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.match(r.json.msg, msg);
    };
    await bad({ topics: 'ok/1,bad/+', payload: 'x' }, /request body property 'topics' must match pattern/);
    await bad({ topics: ' , ', payload: 'x' }, /request body property 'topics' must match pattern/);
    await bad({ topic: 'x', payload: 'not base64!', encoding: 'base64' }, /request body property 'payload' must match pattern/);
    await bad({ topic: 'x'.repeat(65536), payload: 'x' }, /'topic' must NOT have more than 65535 characters/);
    await bad({ topics: 'é'.repeat(40000), payload: 'x' }, /must be at most 65535 bytes/);
    await bad({ topic: 'x', payload: 'x', qos: 3 }, /'qos' must be one of 0, 1, 2/);
  });
});

describe('POST /mqtt/subscribe and /mqtt/unsubscribe', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay(); });
  after(() => relay.close());

  test('a connected client starts receiving at once, and stops after unsubscribe', async () => {
    const c = await connectClient(relay, { clientId: 'example1', protocolVersion: 5 });
    const inbox = collect(c);
    const r = await http(relay, 'POST', '/api/v2/mqtt/subscribe', { body: { topics: 'foo/a,foo/b,foo/c', qos: 1, clientid: 'example1' } });
    assert.deepEqual(r.json, { code: 0, msg: '', data: { 'foo/a': true, 'foo/b': true, 'foo/c': true } });
    await publish(relay, { topic: 'foo/b', payload: 'hi', qos: 1 });
    const [m] = await inbox.next(1);
    assert.equal(m.topic, 'foo/b');
    assert.equal(m.packet.qos, 1);
    const u = await http(relay, 'POST', '/api/v2/mqtt/unsubscribe', { body: { topic: 'foo/b', clientid: 'example1' } });
    assert.deepEqual(u.json.data, true);
    assert.deepEqual((await http(relay, 'POST', '/api/v2/mqtt/unsubscribe', { body: { topic: 'foo/b', clientid: 'example1' } })).json.data, false);
    await publish(relay, { topic: 'foo/b', payload: 'gone', qos: 1 });
    await publish(relay, { topic: 'foo/c', payload: 'still', qos: 1 });
    const [, m2] = await inbox.next(2);
    assert.equal(m2.topic, 'foo/c');
    const subs = (await getData(relay, '/api/v2/subscriptions/example1')).map((s: any) => s.topic).sort();
    assert.deepEqual(subs, ['foo/a', 'foo/c']);
    await c.endAsync();
  });

  test('invalid filters are false, valid ones true', async () => {
    const c = await connectClient(relay, { clientId: 'mixed', protocolVersion: 4 });
    const r = await http(relay, 'POST', '/api/v2/mqtt/subscribe', { body: { topics: 'ok/#,bad/#/x,$share/g,$relaymq/x', clientid: 'mixed' } });
    assert.deepEqual(r.json.data, { 'ok/#': true, 'bad/#/x': false, '$share/g': false, '$relaymq/x': false });
    await c.endAsync();
  });

  test('an offline persistent session gets the subscription (and its messages) when it comes back', async () => {
    const c = await connectClient(relay, { clientId: 'sleeper', protocolVersion: 4, clean: false });
    await c.endAsync();
    const r = await http(relay, 'POST', '/api/v2/mqtt/subscribe', { body: { topic: 'wake/#', qos: 1, clientid: 'sleeper' } });
    assert.deepEqual(r.json.data, { 'wake/#': true });
    await publish(relay, { topic: 'wake/up', payload: 'queued', qos: 1 });
    const [row] = await getData(relay, '/api/v2/clients?clientid=sleeper');
    assert.equal(row.subscriptions_cnt, 1);
    assert.equal(row.mqueue_len, 1);
    const back = await connectClient(relay, { clientId: 'sleeper', protocolVersion: 4, clean: false, manualConnect: false });
    const inbox = collect(back);
    const [m] = await inbox.next(1);
    assert.equal(m.payload.toString(), 'queued');
    await back.endAsync();

    // unsubscribe while offline removes it from persistence: the next session restores nothing
    assert.equal((await http(relay, 'POST', '/api/v2/mqtt/unsubscribe', { body: { topic: 'wake/#', clientid: 'sleeper' } })).json.data, true);
    const again = await connectClient(relay, { clientId: 'sleeper', protocolVersion: 4, clean: false });
    assert.deepEqual(await getData(relay, '/api/v2/subscriptions/sleeper'), []);
    const inbox2 = collect(again);
    await publish(relay, { topic: 'wake/up', payload: 'nobody', qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(inbox2.messages.length, 0);
    await again.endAsync();
  });

  test('unsubscribing a connected client also removes the stored subscription', async () => {
    const c = await connectClient(relay, { clientId: 'stored', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 60 } });
    await c.subscribeAsync('s/#', { qos: 1 });
    assert.equal((await http(relay, 'POST', '/api/v2/mqtt/unsubscribe', { body: { topic: 's/#', clientid: 'stored' } })).json.data, true);
    await c.endAsync();
    const back = await connectClient(relay, { clientId: 'stored', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 60 } });
    assert.deepEqual(await getData(relay, '/api/v2/subscriptions/stored'), []);
    await back.endAsync();
  });

  test('regressions found by the conformance fuzzer: a blank filter, a filter named like an Object property', async () => {
    const c = await connectClient(relay, { clientId: 'odd', protocolVersion: 5 });
    const blank = await http(relay, 'POST', '/api/v2/mqtt/subscribe', { body: { topic: ' ', clientid: 'odd' } });
    assert.deepEqual(blank.json, { code: 0, msg: '', data: { ' ': true } }, '`topic` is taken as given, only `topics` is trimmed');
    for (const name of ['constructor', 'toString', '__proto__']) {
      const r = await http(relay, 'POST', '/api/v2/mqtt/unsubscribe', { body: { topic: name, clientid: 'odd' } });
      assert.deepEqual(r.json, { code: 0, msg: '', data: false }, name);
    }
    const sub = await http(relay, 'POST', '/api/v2/mqtt/subscribe', { body: { topic: 'constructor', clientid: 'odd' } });
    assert.deepEqual(sub.json.data, { constructor: true });
    const proto = await http(relay, 'POST', '/api/v2/mqtt/subscribe', { body: { topics: 'x/__proto__', topic: '__proto__', clientid: 'odd' } });
    assert.equal(proto.text, '{"code":0,"msg":"","data":{"__proto__":true,"x/__proto__":true}}');
    await http(relay, 'POST', '/api/v2/mqtt/unsubscribe', { body: { topic: '__proto__', clientid: 'odd' } });
    await http(relay, 'POST', '/api/v2/mqtt/unsubscribe', { body: { topic: 'x/__proto__', clientid: 'odd' } });
    assert.deepEqual((await getData(relay, '/api/v2/subscriptions/odd')).map((s: any) => s.topic).sort(), [' ', 'constructor']);
    assert.equal((await http(relay, 'POST', '/api/v2/mqtt/unsubscribe', { body: { topic: 'constructor', clientid: 'odd' } })).json.data, true);
    await c.endAsync();
  });

  test('regression: a client id or filter named like an Object property does not bring the broker down', async () => {
    const c = await connectClient(relay, { clientId: 'constructor', protocolVersion: 4 });
    const inbox = collect(c);
    await c.subscribeAsync('toString', { qos: 1 });
    await c.subscribeAsync('constructor', { qos: 1 });
    await c.publishAsync('constructor', 'still here', { qos: 1 });
    const [m] = await inbox.next(1);
    assert.equal(m.payload.toString(), 'still here');
    assert.deepEqual((await getData(relay, '/api/v2/subscriptions/constructor')).map((s: any) => s.topic).sort(), ['constructor', 'toString']);
    await c.endAsync();
  });

  test('unknown client id → 404 for subscribe and unsubscribe', async () => {
    const s = await http(relay, 'POST', '/api/v2/mqtt/subscribe', { body: { topic: 'a', clientid: 'ghost' } });
    assert.deepEqual(s.json, { code: 404, msg: "client 'ghost' not found", data: null });
    const u = await http(relay, 'POST', '/api/v2/mqtt/unsubscribe', { body: { topic: 'a', clientid: 'ghost' } });
    assert.equal(u.status, 404);
  });
});

describe('DELETE /clients/{clientid}', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay(); });
  after(() => relay.close());

  test('kicks the client, returns its connection id and terminates the session', async () => {
    const c = await connectClient(relay, { clientId: 'kickme', protocolVersion: 5, username: 'dashboard', clean: false, properties: { sessionExpiryInterval: 600 } });
    const disconnected = new Promise<number | undefined>((resolve) => c.on('disconnect', (p) => resolve(p.reasonCode)));
    c.on('error', () => {});
    await c.subscribeAsync('k/#', { qos: 1 });
    const port = (c.stream as import('node:net').Socket).localPort;
    const r = await http(relay, 'DELETE', '/api/v2/clients/kickme');
    assert.deepEqual(r.json, { code: 0, msg: '', data: `1@127.0.0.1:${relay.ports.mqtt}/127.0.0.1:${port}/kickme/dashboard` });
    assert.equal(await disconnected, 0x98);
    assert.equal((await http(relay, 'GET', '/api/v2/clients/kickme')).status, 404);
    assert.deepEqual(await getData(relay, '/api/v2/subscriptions?clientid=kickme'), []);
    c.end(true);
    // the session is gone: a reconnect starts empty
    const back = await connectClient(relay, { clientId: 'kickme', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 600 } });
    const row = await getData(relay, '/api/v2/clients/kickme');
    assert.equal(row.session_present, false);
    assert.equal(row.subscriptions_cnt, 0);
    await back.endAsync();
  });

  test('an offline session can be kicked too: its queued messages are gone', async () => {
    const c = await connectClient(relay, { clientId: 'offkick', protocolVersion: 4, clean: false });
    await c.subscribeAsync('ok/#', { qos: 1 });
    await c.endAsync();
    await publish(relay, { topic: 'ok/1', payload: 'queued', qos: 1 });
    assert.equal((await getData(relay, '/api/v2/clients/offkick')).mqueue_len, 1);
    const r = await http(relay, 'DELETE', '/api/v2/clients/offkick');
    assert.match(r.json.data, /^1@.*\/offkick\/undefined$/);
    const back = await connectClient(relay, { clientId: 'offkick', protocolVersion: 4, clean: false });
    const inbox = collect(back);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(inbox.messages.length, 0);
    assert.equal((await getData(relay, '/api/v2/clients/offkick')).session_present, false);
    await back.endAsync();
  });

  test('unknown client → 404', async () => {
    const r = await http(relay, 'DELETE', '/api/v2/clients/ghost');
    assert.deepEqual(r.json, { code: 404, msg: "client 'ghost' not found", data: null });
  });

  test('kicking a connected clean client fires its will (a server-side disconnect)', async () => {
    const watcher = await connectClient(relay, { clientId: 'watch', protocolVersion: 4 });
    const inbox = collect(watcher);
    await watcher.subscribeAsync('wills/#', { qos: 1 });
    const c = await connectClient(relay, { clientId: 'willer', protocolVersion: 4, will: { topic: 'wills/willer', payload: Buffer.from('bye'), qos: 1, retain: false } });
    c.on('error', () => {});
    await http(relay, 'DELETE', '/api/v2/clients/willer');
    const [m] = await inbox.next(1);
    assert.equal(m.payload.toString(), 'bye');
    await waitFor(async () => (await getData(relay, '/api/v2/clients/willer/online')) === false);
    c.end(true);
    await watcher.endAsync();
  });
});
