// /clients as an operator sees it: every field of the client object for MQTT 3.1.1 and 5 over
// TCP and WebSocket, persistent vs clean sessions across disconnect, the 15 filters, _limit.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRelay, http, getData, connectClient, waitFor } from './helpers.ts';
import type { RelayMQ } from '../src/app.ts';

const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const localDate = (ms: number) => {
  const d = new Date(ms); const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
};

describe('client objects', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay(); });
  after(() => relay.close());

  test('MQTT 3.1.1 over TCP with username, keepalive and a will: every field', async () => {
    const before = Date.now();
    const c = await connectClient(relay, {
      clientId: 'fields-v4', protocolVersion: 4, username: 'alice', password: 'pw', keepalive: 42, clean: true,
      will: { topic: '/test/lwt', payload: Buffer.from('test /test/lwt ...'), qos: 1, retain: false },
    });
    const data = await getData(relay, '/api/v2/clients/fields-v4');
    const localPort = (c.stream as import('node:net').Socket).localPort;
    assert.deepEqual({ ...data, connected_at: undefined, created_at: undefined }, {
      node_id: 1, clientid: 'fields-v4', username: 'alice', proto_ver: 4, ip_address: '127.0.0.1', port: localPort,
      connected_at: undefined, disconnected_at: '', disconnected_reason: '', connected: true, keepalive: 42,
      clean_start: true, session_present: false, expiry_interval: 7200, created_at: undefined,
      subscriptions_cnt: 0, max_subscriptions: 0, inflight: 0, max_inflight: 128, mqueue_len: 0, max_mqueue: 1000,
      extra_attrs: 0, last_will: { message: 'dGVzdCAvdGVzdC9sd3QgLi4u', qos: 1, retain: false, topic: '/test/lwt' },
    });
    assert.match(data.connected_at, DATETIME);
    assert.ok(data.connected_at >= localDate(before - 1000) && data.connected_at <= localDate(Date.now() + 1000));
    assert.equal(data.created_at, data.connected_at);
    await c.endAsync();
  });

  test('MQTT 5 over WebSocket, anonymous, with session expiry: proto_ver 5, username "undefined", expiry_interval', async () => {
    const c = await connectClient(relay, { clientId: 'fields-v5', protocolVersion: 5, transport: 'ws', clean: false, properties: { sessionExpiryInterval: 300 } });
    const data = await getData(relay, '/api/v2/clients/fields-v5');
    assert.equal(data.proto_ver, 5);
    assert.equal(data.username, 'undefined');
    assert.equal(data.expiry_interval, 300);
    assert.equal(data.clean_start, false);
    assert.equal(data.ip_address, '127.0.0.1');
    assert.ok(data.port > 0 && data.port <= 65535);
    assert.equal(data.last_will, null);
    await c.endAsync();
    // a persistent session stays listed, offline
    const off = await getData(relay, '/api/v2/clients/fields-v5');
    assert.equal(off.connected, false);
    assert.match(off.disconnected_at, DATETIME);
    assert.equal(off.disconnected_reason, 'client disconnected');
  });

  test('persistent sessions survive disconnect and are resumed with the same created_at; clean ones disappear', async () => {
    const p = await connectClient(relay, { clientId: 'persist-3', protocolVersion: 4, clean: false });
    await p.subscribeAsync('keep/#', { qos: 1 });
    const first = await getData(relay, '/api/v2/clients/persist-3');
    const c = await connectClient(relay, { clientId: 'clean-3', protocolVersion: 4, clean: true });
    await Promise.all([p.endAsync(), c.endAsync()]);
    await waitFor(async () => (await http(relay, 'GET', '/api/v2/clients/clean-3')).status === 404, 3000, 'clean session gone');
    const offline = await getData(relay, '/api/v2/clients/persist-3');
    assert.equal(offline.connected, false);
    assert.equal(offline.subscriptions_cnt, 1);
    assert.equal((await getData(relay, '/api/v2/clients/persist-3/online')), false);

    // created_at and connected_at have 1 s resolution: reconnect in the next second.
    const second = Math.floor(Date.now() / 1000);
    await waitFor(() => Math.floor(Date.now() / 1000) > second, 2000, 'the next second');
    const again = await connectClient(relay, { clientId: 'persist-3', protocolVersion: 4, clean: false });
    const resumed = await getData(relay, '/api/v2/clients/persist-3');
    assert.equal(resumed.connected, true);
    assert.equal(resumed.session_present, true);
    assert.equal(resumed.created_at, first.created_at);
    assert.notEqual(resumed.connected_at, first.connected_at);
    assert.equal(resumed.subscriptions_cnt, 1);
    assert.equal(resumed.disconnected_at, '');
    await again.endAsync();
  });

  test('a session taken over by a new connection is listed once, resumed', async () => {
    const a = await connectClient(relay, { clientId: 'dup', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 60 } });
    a.on('error', () => {});
    await a.subscribeAsync('dup/#', { qos: 1 }); // Aedes reports a session as present only when it has subscriptions
    const b = await connectClient(relay, { clientId: 'dup', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 60 } });
    const rows = await getData(relay, '/api/v2/clients?clientid=dup');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].connected, true);
    assert.equal(rows[0].session_present, true);
    await b.endAsync();
    a.end(true);
  });

  test('unknown client → 404 naming it; online is false', async () => {
    const r = await http(relay, 'GET', '/api/v2/clients/nobody');
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { code: 404, msg: "client 'nobody' not found", data: null });
    assert.equal(await getData(relay, '/api/v2/clients/nobody/online'), false);
  });
});

describe('client filters', () => {
  let relay: RelayMQ;
  const t0 = Math.floor(Date.now() / 1000);
  before(async () => {
    relay = await startTestRelay({ httpApi: { max_row_limit: 3 } });
    await connectClient(relay, { clientId: 'f-alpha', protocolVersion: 4, username: 'ann', clean: true });
    await connectClient(relay, { clientId: 'f-beta', protocolVersion: 5, username: 'bob', clean: false, properties: { sessionExpiryInterval: 600 } });
    const gone = await connectClient(relay, { clientId: 'f-gamma', protocolVersion: 4, username: 'anna', clean: false });
    await gone.endAsync();
    await connectClient(relay, { clientId: 'f-delta', protocolVersion: 5, transport: 'ws' });
  });
  after(() => relay.close());

  const ids = async (q: string) => (await getData(relay, `/api/v2/clients?${q}`)).map((c: any) => c.clientid).sort();

  const cases: [string, string[]][] = [
    ['clientid=f-beta', ['f-beta']],
    ['clientid=f-none', []],
    ['username=ann', ['f-alpha']],
    ['username=undefined', ['f-delta']],
    ['ip_address=127.0.0.1&_like_clientid=f-a', ['f-alpha']],
    ['ip_address=10.0.0.1', []],
    ['connected=false', ['f-gamma']],
    ['connected=true&proto_ver=5', ['f-beta', 'f-delta']],
    ['clean_start=false', ['f-beta', 'f-gamma']],
    ['clean_start=true&proto_ver=4', ['f-alpha']],
    ['session_present=false&connected=false', ['f-gamma']],
    ['session_present=true', []],
    ['proto_ver=3', []],
    ['_like_clientid=et', ['f-beta']],
    ['_like_clientid=ET', []],
    ['_like_username=ann', ['f-alpha', 'f-gamma']],
    ['_like_username=o', ['f-beta']],
    [`_gte_created_at=${t0 - 5}&_lte_created_at=${t0 + 600}&username=bob`, ['f-beta']],
    [`_gte_created_at=${t0 + 600}`, []],
    [`_lte_created_at=${t0 - 600}`, []],
    [`_gte_connected_at=${t0 - 5}&username=anna`, ['f-gamma']],
    [`_lte_connected_at=${t0 - 600}`, []],
    ['_gte_mqueue_len=0&_lte_mqueue_len=0&username=bob', ['f-beta']],
    ['_gte_mqueue_len=1', []],
  ];
  for (const [q, expected] of cases) {
    test(`?${q} → [${expected.join(', ')}]`, async () => assert.deepEqual(await ids(q), expected));
  }

  test('_lte_mqueue_len counts the queue of an offline session', async () => {
    const pub = await connectClient(relay, { clientId: 'f-pub', protocolVersion: 4 });
    // f-gamma is offline and subscribed to nothing: subscribe it, then queue 2 messages for it
    const r = await http(relay, 'POST', '/api/v2/mqtt/subscribe', { body: { clientid: 'f-gamma', topic: 'q/#', qos: 1 } });
    assert.deepEqual(r.json.data, { 'q/#': true });
    await pub.publishAsync('q/1', 'a', { qos: 1 });
    await pub.publishAsync('q/2', 'b', { qos: 1 });
    await pub.endAsync();
    const [g] = await getData(relay, '/api/v2/clients?clientid=f-gamma');
    assert.equal(g.mqueue_len, 2);
    assert.deepEqual(await ids('_gte_mqueue_len=2'), ['f-gamma']);
    assert.deepEqual(await ids('_lte_mqueue_len=1&clientid=f-gamma'), []);
  });

  test('_limit stops the scan; absent or larger it is max_row_limit (3 here)', async () => {
    assert.equal((await getData(relay, '/api/v2/clients?_limit=2')).length, 2);
    assert.equal((await getData(relay, '/api/v2/clients?_limit=1000')).length, 3);
    assert.equal((await getData(relay, '/api/v2/clients')).length, 3);
  });
});

describe('session expiry', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay({ broker: { mqtt: { session_expiry_interval: '1s' } } }); });
  after(() => relay.close());

  test('an offline MQTT 3 session expires after session_expiry_interval, with its stored state', async () => {
    const c = await connectClient(relay, { clientId: 'exp-v4', protocolVersion: 4, clean: false });
    await c.subscribeAsync('e/#', { qos: 1 });
    assert.equal((await getData(relay, '/api/v2/clients/exp-v4')).expiry_interval, 1);
    await c.endAsync();
    assert.equal((await getData(relay, '/api/v2/clients/exp-v4')).connected, false);
    await waitFor(async () => (await http(relay, 'GET', '/api/v2/clients/exp-v4')).status === 404, 4000, 'v3 session expired');
    assert.deepEqual(await getData(relay, '/api/v2/routes'), []);
    const back = await connectClient(relay, { clientId: 'exp-v4', protocolVersion: 4, clean: false });
    assert.equal((await getData(relay, '/api/v2/clients/exp-v4')).session_present, false);
    await back.endAsync();
  });

  test('an offline MQTT 5 session expires after its own Session Expiry Interval', async () => {
    const c = await connectClient(relay, { clientId: 'exp-v5', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 4 } });
    await c.subscribeAsync('e5/#', { qos: 1 });
    await c.endAsync();
    const gone = Date.now();
    // Past the MQTT 3 interval (1 s), well before its own (4 s): the session is still there.
    await new Promise((r) => setTimeout(r, 1500));
    const still = await http(relay, 'GET', '/api/v2/clients/exp-v5');
    if (Date.now() - gone < 3500) assert.equal(still.json.data.connected, false, 'kept past the MQTT 3 interval');
    await waitFor(async () => (await http(relay, 'GET', '/api/v2/clients/exp-v5')).status === 404, 8000, 'v5 session expired');
    assert.ok(Date.now() - gone >= 3000, 'not expired before its interval (with the 1 s sweep granularity)');
  });
});
