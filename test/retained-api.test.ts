// Retained messages through the API (relaymq extension), as an operator sees them: listed with
// filters, encodings and cursors, read one by one, removed without anyone receiving anything.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRelay, http, getData, connectClient, collect, waitFor } from './helpers.ts';
import type { RelayMQ } from '../src/app.ts';

describe('retained messages API', () => {
  let relay: RelayMQ;
  before(async () => {
    relay = await startTestRelay();
    const pub = await connectClient(relay, { clientId: 'ret-pub', protocolVersion: 5 });
    await pub.publishAsync('ret/a/1', 'hello', { qos: 1, retain: true, properties: { contentType: 'text/plain', messageExpiryInterval: 100, userProperties: { k: 'v' } } });
    await pub.publishAsync('ret/a/2', Buffer.from([0xff, 0xfe, 0x00]), { qos: 0, retain: true });
    await pub.publishAsync('ret/b/1', 'b one', { qos: 2, retain: true });
    await pub.endAsync();
  });
  after(() => relay.close());

  test('GET /retains lists them in topic order, with qos, properties, remaining expiry and the total', async () => {
    const r = await http(relay, 'GET', '/api/v2/retains');
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-total-count'], '3');
    assert.equal(r.headers['x-next-cursor'], undefined, 'one page only');
    const rows = r.json.data;
    assert.deepEqual(rows.map((m: any) => m.topic), ['ret/a/1', 'ret/a/2', 'ret/b/1']);
    const [a1, a2, b1] = rows;
    assert.equal(a1.payload, 'hello');
    assert.equal(a1.encoding, 'plain');
    assert.equal(a1.qos, 1);
    assert.equal(a1.properties.content_type, 'text/plain');
    assert.deepEqual(a1.properties.user_properties, { k: 'v' });
    assert.ok(a1.expiry_interval > 90 && a1.expiry_interval <= 100, `expiry_interval ${a1.expiry_interval}`);
    // Not UTF-8: base64 whatever was asked, and the row says so.
    assert.deepEqual([a2.payload, a2.encoding], [Buffer.from([0xff, 0xfe, 0x00]).toString('base64'), 'base64']);
    assert.deepEqual([b1.qos, b1.expiry_interval], [2, null]);
  });

  test('filters: _match_topic (a topic filter), topic (exact), encoding=base64', async () => {
    assert.deepEqual((await getData(relay, '/api/v2/retains?_match_topic=ret%2Fa%2F%2B')).map((m: any) => m.topic), ['ret/a/1', 'ret/a/2']);
    assert.deepEqual((await getData(relay, '/api/v2/retains?_match_topic=%23')).length, 3);
    assert.deepEqual((await getData(relay, '/api/v2/retains?topic=ret/b/1')).map((m: any) => m.payload), ['b one']);
    const [b64] = await getData(relay, '/api/v2/retains?topic=ret/a/1&encoding=base64');
    assert.deepEqual([b64.payload, b64.encoding], [Buffer.from('hello').toString('base64'), 'base64']);
    const bad = await http(relay, 'GET', '/api/v2/retains?_match_topic=a%2F%23%2Fb');
    assert.equal(bad.status, 400);
    assert.deepEqual([bad.json.code, bad.json.data], [400, null]);
    assert.match(bad.json.msg, /_match_topic/);
    for (const malformed of ['%23+', 'a%23', '%2B%2B', 'a%2F%23%2F', 'b%00']) {
      assert.equal((await http(relay, 'GET', `/api/v2/retains?_match_topic=${malformed}`)).status, 400, decodeURIComponent(malformed));
    }
    // Taken as written: a $share/ prefix is levels like any other (no shared subscription receives retained messages).
    assert.deepEqual(await getData(relay, '/api/v2/retains?_match_topic=%24share%2F%2F%23'), []);
    assert.equal((await http(relay, 'GET', '/api/v2/retains?topic=a%2F%2B')).status, 400, 'a wildcard is no topic name');
  });

  test('GET /retains/{topic}: one message; 404 in the envelope for a topic without one', async () => {
    const one = await getData(relay, '/api/v2/retains/ret%2Fb%2F1');
    assert.deepEqual([one.topic, one.payload, one.qos], ['ret/b/1', 'b one', 2]);
    const none = await http(relay, 'GET', '/api/v2/retains/ret%2Fnone');
    assert.equal(none.status, 404);
    assert.deepEqual(none.json, { code: 404, msg: "no retained message on topic 'ret/none'", data: null });
  });

  test('DELETE /retains/{topic}: removed everywhere, nothing published, retained.count drops; a second DELETE is a 404', async () => {
    const pub = await connectClient(relay, { clientId: 'ret-del-pub' });
    await pub.publishAsync('del/x', 'x', { qos: 1, retain: true });
    await pub.publishAsync('del/y', 'y', { qos: 1, retain: true });
    await pub.endAsync();
    const watcher = await connectClient(relay, { clientId: 'ret-del-watcher' });
    const seen = collect(watcher);
    await watcher.subscribeAsync('del/#', { qos: 1 });
    await seen.next(2); // the two retained messages, sent on subscribe
    const before = (await getData(relay, '/api/v2/stats/sum')).stats['retained.count'];

    const r = await http(relay, 'DELETE', '/api/v2/retains/del%2Fx');
    assert.deepEqual([r.status, r.json], [200, { code: 0, msg: '', data: 'ok' }]);
    assert.equal((await http(relay, 'DELETE', '/api/v2/retains/del%2Fx')).status, 404);
    assert.equal((await getData(relay, '/api/v2/stats/sum')).stats['retained.count'], before - 1);

    // The query form, for topics whose '/' a proxy would mangle: the count removed.
    assert.equal((await http(relay, 'DELETE', '/api/v2/retains?topic=del/y')).json.data, 1);
    assert.equal((await http(relay, 'DELETE', '/api/v2/retains?topic=del/y')).json.data, 0);
    assert.equal((await http(relay, 'DELETE', '/api/v2/retains')).status, 400, 'no topic: nothing is removed');

    // The live subscriber received nothing (no empty retained message); a new one gets neither.
    // A marker published after the removals arrives after anything they could have sent.
    const late = await connectClient(relay, { clientId: 'ret-del-late' });
    const got = collect(late);
    await late.subscribeAsync('del/#', { qos: 1 });
    const marker = await connectClient(relay, { clientId: 'ret-del-marker' });
    await marker.publishAsync('del/marker', 'after', { qos: 1 });
    await seen.next(3);
    await got.next(1);
    assert.deepEqual(seen.messages.slice(2).map((m) => m.topic), ['del/marker']);
    assert.deepEqual(got.messages.map((m) => m.topic), ['del/marker']);
    await Promise.all([watcher.endAsync(), late.endAsync(), marker.endAsync()]);
  });

  test('an expired retained message is neither listed nor readable', async () => {
    const pub = await connectClient(relay, { clientId: 'ret-exp', protocolVersion: 5 });
    await pub.publishAsync('exp/1', 'soon gone', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
    await pub.endAsync();
    assert.equal((await getData(relay, '/api/v2/retains?topic=exp/1')).length, 1);
    await waitFor(async () => (await getData(relay, '/api/v2/retains?topic=exp/1')).length === 0, 3000, 'the message expired');
    assert.equal((await http(relay, 'GET', '/api/v2/retains/exp%2F1')).status, 404);
  });

  test('cursor: while topics come and go, every topic present throughout is listed exactly once', async () => {
    const pub = await connectClient(relay, { clientId: 'ret-pages' });
    const topic = (i: number) => `page/${String(i).padStart(3, '0')}`;
    for (let i = 0; i < 30; i++) await pub.publishAsync(topic(i), `m${i}`, { qos: 1, retain: true });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await http(relay, 'GET', `/api/v2/retains?_match_topic=page%2F%23&_limit=7${cursor ? `&_cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      seen.push(...r.json.data.map((m: any) => m.topic));
      cursor = r.headers['x-next-cursor'] as string | undefined;
      if (pages === 1) {
        // Between pages: a topic already listed and one not yet listed go; new ones come.
        await http(relay, 'DELETE', `/api/v2/retains/${encodeURIComponent(topic(2))}`);
        await http(relay, 'DELETE', `/api/v2/retains/${encodeURIComponent(topic(25))}`);
        await pub.publishAsync('page/000a', 'new, before the cursor', { qos: 1, retain: true });
        await pub.publishAsync('page/999', 'new, after the cursor', { qos: 1, retain: true });
      }
      pages++;
    } while (cursor && pages < 20);
    assert.equal(cursor, undefined, 'the last page has no X-Next-Cursor');
    assert.equal(new Set(seen).size, seen.length, 'no topic twice');
    for (let i = 0; i < 30; i++) if (i !== 2 && i !== 25) assert.ok(seen.includes(topic(i)), `${topic(i)} listed`);
    assert.ok(!seen.includes(topic(25)), 'removed before its page: not listed');
    assert.equal((await http(relay, 'GET', '/api/v2/retains?_cursor=not%2Bbase64url')).status, 400);
    await pub.endAsync();
  });
});

describe('retained messages API on a restarted broker', () => {
  test('a removed retained message stays removed after a restart (LevelDB)', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataDir = mkdtempSync(join(tmpdir(), 'relaymq-retain-'));
    let relay = await startTestRelay({ broker: { persistence: { type: 'level', data_dir: dataDir } } });
    const pub = await connectClient(relay, { clientId: 'restart-pub' });
    await pub.publishAsync('keep/1', 'one', { qos: 1, retain: true });
    await pub.publishAsync('keep/2', 'two', { qos: 1, retain: true });
    await pub.endAsync();
    assert.equal((await http(relay, 'DELETE', '/api/v2/retains/keep%2F1')).status, 200);
    await relay.close();
    relay = await startTestRelay({ broker: { persistence: { type: 'level', data_dir: dataDir } } });
    try {
      await waitFor(async () => (await getData(relay, '/api/v2/retains')).length === 1, 5000, 'the store loaded');
      assert.deepEqual((await getData(relay, '/api/v2/retains')).map((m: any) => m.topic), ['keep/2']);
    } finally {
      await relay.close();
    }
  });
});
