// The operator API beyond RMQTT (relaymq extensions) on a three-node cluster on Redis: bans,
// retained messages, the event stream, bulk removal, a session's queue and cursors each work
// whichever node is asked, for every node's clients.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './helpers.ts';
import { rawClient } from './raw-mqtt.ts';
import { api, request, useCluster } from './cluster-fixture.ts';
import type { RelayProcess } from './process.ts';

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const del: RequestInit = { method: 'DELETE' };

/** Reads a node's event stream in the background; `stop` ends it. */
async function events(n: RelayProcess, query = '') {
  const controller = new AbortController();
  const r = await request(n, `/events${query}`, { signal: controller.signal });
  assert.equal(r.status, 200);
  const seen: any[] = [];
  const reader = r.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1];
        buffer = buffer.slice(end + 2);
        if (data) seen.push(JSON.parse(data));
      }
    }
  })();
  return { seen, stop: () => controller.abort() };
}

describe('operator API on a cluster', { timeout: 240_000 }, () => {
  let nodes: RelayProcess[] = [];
  const connect = useCluster((_redis, n) => { nodes = n; });

  test('a ban made on one node refuses and kicks on every node, and is lifted everywhere', async () => {
    const victim = await connect(nodes[1], { clientId: 'c-banned', protocolVersion: 5 });
    const kicked = new Promise<any>((resolve) => victim.on('disconnect', resolve));
    const made = await api(nodes[0], '/banned', post({ as: 'clientid', who: 'c-banned', kick: true }));
    assert.equal(made.status, 200);
    assert.equal((await kicked).reasonCode, 0x98, 'the connection on node 2 was closed');
    const refused = await rawClient(nodes[2].ports.mqtt!, 'c-banned', { version: 5 });
    refused.destroy();
    assert.equal(refused.connack?.reasonCode, 0x8a, 'node 3 refuses it');
    assert.deepEqual((await api(nodes[2], '/banned')).body.data.map((b: any) => b.who), ['c-banned']);
    assert.equal((await api(nodes[1], '/banned/clientid/c-banned', del)).status, 200);
    const back = await rawClient(nodes[0].ports.mqtt!, 'c-banned', { version: 5 });
    back.destroy();
    assert.equal(back.connack?.reasonCode, 0);
  });

  test('a retained message removed through one node is gone on every node, counted once', async () => {
    const pub = await connect(nodes[0], { clientId: 'c-ret-pub' });
    await pub.publishAsync('c/ret/1', 'kept', { qos: 1, retain: true });
    await waitFor(async () => (await api(nodes[2], '/retains?topic=c/ret/1')).body.data.length === 1, 5000, 'the message on node 3');
    const before = (await api(nodes[2], '/stats/sum')).body.data.stats['retained.count'];
    assert.equal((await api(nodes[1], '/retains/c%2Fret%2F1', del)).body.data, 'ok');
    for (const n of nodes) {
      await waitFor(async () => (await api(n, '/retains?topic=c/ret/1')).body.data.length === 0, 5000, 'gone everywhere');
      assert.equal((await api(n, '/retains/c%2Fret%2F1')).status, 404);
    }
    await waitFor(async () => (await api(nodes[2], '/stats/sum')).body.data.stats['retained.count'] === before - 1, 5000, 'counted once');
  });

  test('the event stream of any node carries every node\'s events', async () => {
    const stream = await events(nodes[0], '?type=client.connected,client.disconnected');
    // The other nodes start forwarding once they hear that someone watches.
    await waitFor(async () => {
      const c = await connect(nodes[1], { clientId: `c-ev-probe-${Date.now()}` });
      c.end(true);
      return stream.seen.some((e) => e.type === 'client.connected' && e.node_id === 2);
    }, 15_000, 'an event of node 2 on node 1');
    const c = await connect(nodes[2], { clientId: 'c-ev-3' });
    await c.endAsync();
    await waitFor(() => stream.seen.some((e) => e.clientid === 'c-ev-3' && e.type === 'client.disconnected'), 5000, 'node 3 events');
    const mine = stream.seen.filter((e) => e.clientid === 'c-ev-3');
    assert.deepEqual(mine.map((e) => [e.type, e.node_id]), [['client.connected', 3], ['client.disconnected', 3]]);
    stream.stop();
  });

  test('a session\'s queue is read through any node; bulk removal counts every node\'s sessions', async () => {
    for (const [i, n] of nodes.entries()) {
      const s = await connect(n, { clientId: `c-off-${i}`, clean: false });
      await s.subscribeAsync('c/q/#', { qos: 1 });
      await s.endAsync();
    }
    const pub = await connect(nodes[0], { clientId: 'c-q-pub' });
    for (let i = 0; i < 3; i++) await pub.publishAsync(`c/q/${i}`, `q${i}`, { qos: 1 });
    await waitFor(async () => (await api(nodes[0], '/clients/c-off-2/mqueue')).body.data?.length === 3, 5000, 'queued on node 3, read on node 1');
    assert.deepEqual((await api(nodes[0], '/clients/c-off-2/mqueue')).body.data.map((m: any) => m.payload), ['q0', 'q1', 'q2']);

    // Cursors across nodes: every session once, in client id order.
    const ids: string[] = [];
    let cursor = '';
    for (let page = 0; page < 10; page++) {
      const r = await request(nodes[1], `/clients?_like_clientid=c-off-&_limit=2${cursor ? `&_cursor=${cursor}` : ''}`);
      ids.push(...((await r.json()) as any).data.map((c: any) => c.clientid));
      cursor = r.headers.get('x-next-cursor') ?? '';
      if (!cursor) break;
    }
    assert.deepEqual(ids, ['c-off-0', 'c-off-1', 'c-off-2']);

    const removed = await api(nodes[2], '/clients?_like_clientid=c-off-&connected=false', del);
    assert.equal(removed.body.data, 3);
    for (const n of nodes) assert.equal((await api(n, '/clients?_like_clientid=c-off-')).body.data.length, 0);
  });
});
