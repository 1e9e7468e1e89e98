// Sessions beyond RMQTT (relaymq extensions): bulk removal with the list's filters, a session's
// queued and in-flight messages, and cursors over the seed's list endpoints.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRelay, http, getData, connectClient, waitFor, type HttpReply } from './helpers.ts';
import { rawClient } from './raw-mqtt.ts';
import type { RelayMQ } from '../src/app.ts';

/** Every row of a listing, page by page (bounded), calling `between` after each page. */
async function allPages(relay: RelayMQ, path: string, between: (page: number) => Promise<void> = async () => {}): Promise<{ rows: any[]; replies: HttpReply[] }> {
  const rows: any[] = [];
  const replies: HttpReply[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const r = await http(relay, 'GET', `${path}${path.includes('?') ? '&' : '?'}${cursor ? `_cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    rows.push(...r.json.data);
    replies.push(r);
    cursor = r.headers['x-next-cursor'] as string | undefined;
    if (!cursor) return { rows, replies };
    await between(page);
  }
  throw new Error('more than 100 pages');
}

async function offlineSession(relay: RelayMQ, clientId: string, filter?: string): Promise<void> {
  const c = await connectClient(relay, { clientId, clean: false });
  if (filter) await c.subscribeAsync(filter, { qos: 1 });
  await c.endAsync();
}

describe('bulk removal of sessions', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay(); });
  after(() => relay.close());

  test('DELETE /clients?connected=false removes the offline sessions only, and returns the count', async () => {
    for (const id of ['off-1', 'off-2', 'off-3']) await offlineSession(relay, id, `bulk/${id}`);
    const online = await connectClient(relay, { clientId: 'on-1', clean: false });
    const none = await http(relay, 'DELETE', '/api/v2/clients');
    assert.equal(none.status, 400, 'no filter: refused');
    assert.match(none.json.msg, /_all=true/);
    assert.equal((await http(relay, 'DELETE', '/api/v2/clients?_all=false')).status, 400);
    assert.equal((await getData(relay, '/api/v2/clients')).length, 4, 'nothing was removed');

    const r = await http(relay, 'DELETE', '/api/v2/clients?connected=false');
    assert.deepEqual([r.status, r.json.data], [200, 3]);
    assert.deepEqual((await getData(relay, '/api/v2/clients')).map((c: any) => c.clientid), ['on-1']);
    assert.equal((await getData(relay, '/api/v2/subscriptions?topic=bulk%2Foff-1')).length, 0, 'their subscriptions went with them');
    assert.equal(online.connected, true);
    assert.equal((await http(relay, 'DELETE', '/api/v2/clients?connected=false')).json.data, 0);

    // Filters combine as in GET /clients; _all removes everything, the connected ones kicked.
    await offlineSession(relay, 'keep-me');
    await offlineSession(relay, 'drop-me');
    assert.equal((await http(relay, 'DELETE', '/api/v2/clients?_like_clientid=drop')).json.data, 1);
    const kicked = new Promise<void>((resolve) => online.on('close', () => resolve()));
    assert.equal((await http(relay, 'DELETE', '/api/v2/clients?_all=true')).json.data, 2);
    await kicked;
    assert.equal((await getData(relay, '/api/v2/clients')).length, 0);
    assert.equal((await http(relay, 'DELETE', '/api/v2/clients?proto_ver=9')).status, 400, 'a bad filter value');
  });
});

describe('a session\'s queued and in-flight messages', () => {
  let relay: RelayMQ;
  // A window of 16 (RMQTT's default) so that 20 messages fill it and queue 4.
  before(async () => { relay = await startTestRelay({ broker: { mqtt: { max_inflight: 16 } } }); });
  after(() => relay.close());

  test('offline: the stored queue in order, paged with a cursor; nothing in flight', async () => {
    await offlineSession(relay, 'q-offline', 'q/#');
    const pub = await connectClient(relay, { clientId: 'q-pub' });
    for (let i = 0; i < 5; i++) await pub.publishAsync(`q/${i}`, `m${i}`, { qos: 1 });
    await pub.endAsync();
    const r = await http(relay, 'GET', '/api/v2/clients/q-offline/mqueue');
    assert.equal(r.headers['x-total-count'], '5');
    assert.deepEqual(r.json.data.map((m: any) => [m.topic, m.payload, m.qos, m.packet_id]),
      [0, 1, 2, 3, 4].map((i) => [`q/${i}`, `m${i}`, 1, null]));
    const { rows, replies } = await allPages(relay, '/api/v2/clients/q-offline/mqueue?_limit=2');
    assert.equal(replies.length, 3);
    assert.deepEqual(rows.map((m: any) => m.payload), ['m0', 'm1', 'm2', 'm3', 'm4']);
    assert.deepEqual(await getData(relay, '/api/v2/clients/q-offline/inflight'), []);
    const enc = await getData(relay, '/api/v2/clients/q-offline/mqueue?_limit=1&encoding=base64');
    assert.equal(enc[0].payload, Buffer.from('m0').toString('base64'));
  });

  test('connected: max_inflight messages in flight with their packet ids, the rest queued', async () => {
    const sub = await rawClient(relay.ports.mqtt!, 'q-live', { version: 4, clean: true });
    await sub.subscribe('live/#', 1);
    const pub = await connectClient(relay, { clientId: 'q-live-pub' });
    for (let i = 0; i < 20; i++) await pub.publishAsync(`live/${i}`, `n${i}`, { qos: 1 });
    await waitFor(() => sub.publishes.length === 16, 5000, 'a full window');
    const inflight = await http(relay, 'GET', '/api/v2/clients/q-live/inflight');
    assert.equal(inflight.headers['x-total-count'], '16');
    const ids = inflight.json.data.map((m: any) => m.packet_id);
    assert.deepEqual(ids, [...ids].sort((a: number, b: number) => a - b), 'in packet id order');
    assert.deepEqual(new Set(ids), new Set(sub.publishes.map((p) => p.messageId)), 'the ids the client got');
    const queued = await getData(relay, '/api/v2/clients/q-live/mqueue');
    assert.deepEqual(queued.map((m: any) => m.payload), ['n16', 'n17', 'n18', 'n19']);

    // A cursor taken while queued messages leave the front stays a position: nothing twice, none skipped.
    const first = await http(relay, 'GET', '/api/v2/clients/q-live/mqueue?_limit=2');
    sub.ack(sub.publishes[0].messageId!); // frees one slot: n16 leaves the queue
    await waitFor(() => sub.publishes.length === 17, 5000, 'the next message sent');
    const rest = await http(relay, 'GET', `/api/v2/clients/q-live/mqueue?_cursor=${first.headers['x-next-cursor']}`);
    assert.deepEqual(first.json.data.map((m: any) => m.payload), ['n16', 'n17']);
    assert.deepEqual(rest.json.data.map((m: any) => m.payload), ['n18', 'n19']);

    // After the session disconnects, an old cursor names a position that no longer exists: 400.
    const cursor = first.headers['x-next-cursor'];
    sub.destroy();
    await waitFor(async () => (await getData(relay, '/api/v2/clients/q-live/online').catch(() => true)) === false, 5000, 'offline');
    const stale = await http(relay, 'GET', `/api/v2/clients/q-live/mqueue?_cursor=${cursor}`);
    assert.ok(stale.status === 400 || stale.status === 404, `stale cursor → ${stale.status}`);
    await pub.endAsync();
  });

  test('an unknown client is a 404; a bad _limit a 400', async () => {
    const r = await http(relay, 'GET', '/api/v2/clients/nobody/mqueue');
    assert.deepEqual([r.status, r.json], [404, { code: 404, msg: "client 'nobody' not found", data: null }]);
    assert.equal((await http(relay, 'GET', '/api/v2/clients/nobody/inflight')).status, 404);
    assert.equal((await http(relay, 'GET', '/api/v2/clients/q-offline/mqueue?_limit=0')).status, 400);
  });
});

describe('cursors over the seed\'s listings', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay(); });
  after(() => relay.close());

  test('/clients: sessions present throughout are listed once while others come and go', async () => {
    const id = (i: number) => `cur-${String(i).padStart(2, '0')}`;
    for (let i = 0; i < 30; i++) await offlineSession(relay, id(i), `cur/${i}/#`);
    const { rows, replies } = await allPages(relay, '/api/v2/clients?_like_clientid=cur-&_limit=7', async (page) => {
      if (page !== 0) return;
      await http(relay, 'DELETE', `/api/v2/clients/${id(3)}`); // already listed
      await http(relay, 'DELETE', `/api/v2/clients/${id(20)}`); // not yet listed
      await offlineSession(relay, 'cur-00a'); // before the cursor
      await offlineSession(relay, 'cur-99'); // after it
    });
    const ids = rows.map((c: any) => c.clientid);
    assert.equal(new Set(ids).size, ids.length, 'nobody twice');
    for (let i = 0; i < 30; i++) if (i !== 20) assert.ok(ids.includes(id(i)), `${id(i)} listed`);
    assert.ok(!ids.includes(id(20)));
    assert.ok(ids.includes('cur-99'));
    assert.equal(replies.at(-1)!.headers['x-next-cursor'], undefined);
    assert.deepEqual(ids, [...ids].sort(), 'client id order');
    const all = await http(relay, 'GET', '/api/v2/clients?_limit=1');
    assert.equal(all.headers['x-total-count'], String((await getData(relay, '/api/v2/clients')).length), 'unfiltered: the total');
    assert.equal((await http(relay, 'GET', '/api/v2/clients?_limit=1&connected=false')).headers['x-total-count'], undefined);
  });

  test('/subscriptions and /routes page the same way', async () => {
    const subs = await allPages(relay, '/api/v2/subscriptions?_limit=4');
    const keys = subs.rows.map((s: any) => `${s.clientid} ${s.topic}`);
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(subs.rows.length, (await getData(relay, '/api/v2/subscriptions')).length);
    const routes = await allPages(relay, '/api/v2/routes?_limit=5');
    assert.deepEqual(routes.rows.map((r: any) => r.topic), (await getData(relay, '/api/v2/routes')).map((r: any) => r.topic));
    assert.ok(routes.replies.length > 1);
  });

  test('a cursor that is not base64url is a 400; any other is a position', async () => {
    assert.equal((await http(relay, 'GET', '/api/v2/clients?_cursor=a%2Bb')).status, 400);
    const after = await http(relay, 'GET', `/api/v2/clients?_cursor=${Buffer.from('cur-28').toString('base64url')}`);
    assert.deepEqual(after.json.data.map((c: any) => c.clientid), ['cur-29', 'cur-99']);
  });
});
