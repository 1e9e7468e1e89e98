// Three relaymq processes sharing one real redis-server, run as an operator runs them
// (`relaymq --config FILE`), observed through real MQTT clients and real HTTP requests: routing
// exactly once per subscription, retained messages, the merged API, sessions resumed on another
// node, takeover, shared subscriptions across nodes (cluster-failures.test.ts: nodes dying,
// starting and Redis failing).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { collect, waitFor } from './helpers.ts';
import { freePort, newDataDir, processConfig, spawnRelay, type RelayProcess } from './process.ts';
import type { RedisServer } from './redis.ts';
import { rawClient } from './raw-mqtt.ts';
import { api, clusterFormed, membershipsStored, request, sleep, useCluster } from './cluster-fixture.ts';

test('a node whose Redis cannot be reached does not start, saying so in one line', async () => {
  const port = await freePort();
  const started = Date.now();
  await assert.rejects(spawnRelay(processConfig(newDataDir(), `[cluster]\ntype = "redis"\nredis_url = "redis://:pw@127.0.0.1:${port}"\n`)),
    (e: Error) => {
      const lines = e.message.split('\n').filter((l) => l.startsWith('relaymq:'));
      assert.deepEqual(lines.length, 1, e.message);
      assert.match(lines[0], new RegExp(`^relaymq: cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: `));
      return true;
    });
  assert.ok(Date.now() - started < 15_000);
});

describe('cluster on Redis: three processes', { timeout: 240_000 }, () => {
  let redis: RedisServer;
  let nodes: RelayProcess[] = [];
  const connect = useCluster((r, n) => { redis = r; nodes = n; });

  test('a message published on one node reaches each subscription on every node exactly once (QoS 0, 1, 2)', async () => {
    const subs = await Promise.all(nodes.map((n, i) => connect(n, { clientId: `route-sub-${i}` })));
    for (const s of subs) await s.subscribeAsync('route/#', { qos: 2 });
    // A second, overlapping subscription of one client: MQTT delivers once per client (one match).
    await subs[0].subscribeAsync('route/+/x', { qos: 2 });
    const got = subs.map(collect);
    const pub = await connect(nodes[1], { clientId: 'route-pub' });
    const N = 20;
    for (let i = 0; i < N; i++) {
      for (const qos of [0, 1, 2] as const) await pub.publishAsync(`route/${qos}/x`, `${qos}:${i}`, { qos });
    }
    for (const g of got) await waitFor(() => g.messages.length >= 3 * N, 10_000, 'every message on every node').catch((e) => { throw new Error(`${e.message}: ${got.map((x) => x.messages.length)} ${JSON.stringify(got.map((x) => x.messages.map((m: any) => m.payload.toString())))}`); });
    await sleep(500);
    for (const [i, g] of got.entries()) {
      const payloads = g.messages.map((m: any) => m.payload.toString());
      assert.equal(payloads.length, 3 * N, `subscriber on node ${i + 1}: ${payloads.length} messages`);
      assert.equal(new Set(payloads).size, 3 * N, `subscriber on node ${i + 1} got duplicates`);
    }
  });

  test('large messages cross nodes intact, and so do binary client ids and topics', async () => {
    const id = 'bin/é 🚀 %2F';
    const sub = await connect(nodes[2], { clientId: id });
    await sub.subscribeAsync('big/#', { qos: 1 });
    const got = collect(sub);
    const pub = await connect(nodes[0], { clientId: 'big-pub' });
    const payloads = [900_000, 1, 300_000, 700_000].map((n, i) => Buffer.alloc(n, i + 1));
    // Several in one turn of the publishing node: they travel together in the log, within its bounds.
    await Promise.all(payloads.map((p, i) => pub.publishAsync(`big/é/${i}`, p, { qos: 1 })));
    await waitFor(() => got.messages.length === payloads.length, 10_000, 'every large message');
    const byTopic = new Map(got.messages.map((m: any) => [m.topic, m.payload as Buffer]));
    payloads.forEach((p, i) => assert.ok(byTopic.get(`big/é/${i}`)?.equals(p), `message ${i} intact`));
    assert.equal((await api(nodes[0], `/clients/${encodeURIComponent(id)}`)).body.data.node_id, 3);
  });

  test('retained messages are cluster-wide, and so is their removal, at once', async () => {
    const pub = await connect(nodes[0], { clientId: 'retain-pub' });
    // Connected before: only the SUBSCRIBE can wait for its node to catch up with the log.
    const [late, later] = await Promise.all([connect(nodes[2], { clientId: 'retain-late' }), connect(nodes[1], { clientId: 'retain-later' })]);
    const got = collect(late);
    const none = collect(later);
    for (let i = 0; i < 20; i++) {
      await pub.publishAsync(`retained/${i}`, `kept-${i}`, { qos: 1, retain: true });
      await late.subscribeAsync(`retained/${i}`, { qos: 1 }); // right after the PUBACK, on another node
    }
    await waitFor(() => got.messages.length === 20, 5000, 'every retained message on another node');
    assert.ok(got.messages.every((m: any) => m.packet.retain === true), 'each sent as a retained message, on subscribe');
    for (let i = 0; i < 20; i++) {
      await pub.publishAsync(`retained/${i}`, '', { qos: 1, retain: true });
      await later.subscribeAsync(`retained/${i}`, { qos: 1 });
    }
    await sleep(500);
    assert.equal(none.messages.length, 0, 'a removed retained message is gone on every node');
  });

  test('the API of any node answers for the cluster: nodes, clients, one client, subscriptions, kick', async () => {
    const onEach = await Promise.all(nodes.map((n, i) => connect(n, { clientId: `api-${i + 1}` })));
    await onEach[2].subscribeAsync('api/three', { qos: 1 });
    for (const n of nodes) {
      const brokers = (await api(n, '/brokers')).body.data;
      assert.equal(brokers[0].node_id, nodes.indexOf(n) + 1, 'the node answering comes first');
      assert.deepEqual(brokers.map((b: any) => [b.node_id, b.running]).sort(), [[1, true], [2, true], [3, true]]);
      const ids = (await api(n, '/clients?_limit=10000')).body.data.filter((c: any) => c.clientid.startsWith('api-'));
      assert.deepEqual(ids.map((c: any) => [c.clientid, c.node_id]).sort(), [['api-1', 1], ['api-2', 2], ['api-3', 3]]);
    }
    const one = await api(nodes[0], '/clients/api-3');
    assert.equal(one.status, 200);
    assert.equal(one.body.data.node_id, 3);
    assert.equal(one.body.data.connected, true);
    const limited = (await api(nodes[0], '/clients?_limit=2')).body.data;
    assert.equal(limited.length, 2, '_limit applies to the merged list');
    const subs = (await api(nodes[1], '/subscriptions?clientid=api-3')).body.data;
    assert.deepEqual(subs.map((s: any) => [s.topic, s.node_id]), [['api/three', 3]]);
    assert.equal((await api(nodes[0], '/clients/api-3/online')).body.data, true);
    const closed = new Promise<void>((r) => onEach[2].once('close', () => r()));
    const kicked = await api(nodes[0], '/clients/api-3', { method: 'DELETE' });
    assert.equal(kicked.status, 200);
    await closed;
    await waitFor(async () => (await api(nodes[1], '/clients/api-3')).status === 404, 5000, 'the kicked session gone');
  });

  test('a persistent session left on one node resumes on another with its queued messages', async () => {
    const first = await connect(nodes[0], { clientId: 'wanderer', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 300 } });
    await first.subscribeAsync('wander/#', { qos: 1 });
    await first.endAsync();
    const pub = await connect(nodes[1], { clientId: 'wander-pub' });
    for (let i = 0; i < 5; i++) await pub.publishAsync(`wander/${i}`, String(i), { qos: 1 });
    const again = await connect(nodes[2], { clientId: 'wanderer', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 300 } });
    const got = collect(again);
    await waitFor(() => got.messages.length >= 5, 5000, 'the queued messages on the new node');
    await sleep(300);
    assert.deepEqual(got.messages.map((m: any) => m.payload.toString()), ['0', '1', '2', '3', '4']);
    const info = (await api(nodes[0], '/clients/wanderer')).body.data;
    assert.equal(info.node_id, 3);
    assert.equal(info.session_present, true);
    await again.endAsync();
  });

  test('the node a session left neither expires it nor publishes its delayed will once it resumed elsewhere', async () => {
    const watch = await connect(nodes[2], { clientId: 'expiry-watch' });
    const wills = collect(watch);
    await watch.subscribeAsync('expiry/will', { qos: 1 });
    const opts = {
      clientId: 'short-lived', clean: false, protocolVersion: 5 as const, properties: { sessionExpiryInterval: 2 },
      will: { topic: 'expiry/will', payload: Buffer.from('too early'), qos: 1 as const, retain: false, properties: { willDelayInterval: 1 } },
    };
    const first = await connect(nodes[0], opts);
    await first.subscribeAsync('expiry/data', { qos: 1 });
    first.stream.destroy(); // lost connection: node 1 arms the 1 s will delay and the 2 s expiry
    await waitFor(async () => (await api(nodes[0], '/clients/short-lived')).body.data?.connected === false, 5000, 'offline on node 1');
    const again = await connect(nodes[1], opts);
    const got = collect(again);
    await sleep(3000);
    assert.deepEqual(wills.messages, [], 'no will: the session went on elsewhere');
    const pub = await connect(nodes[2], { clientId: 'expiry-pub' });
    await pub.publishAsync('expiry/data', 'still subscribed', { qos: 1 });
    await waitFor(() => got.messages.length === 1, 5000, 'the session was not wiped by the node it left');
    await again.endAsync();
  });

  test('the same client id connecting to a second node takes over: the first connection gets DISCONNECT 0x8E', async () => {
    const willSeen = await connect(nodes[0], { clientId: 'takeover-watch' });
    const wills = collect(willSeen);
    await willSeen.subscribeAsync('takeover/will', { qos: 1 });
    const first = await connect(nodes[0], { clientId: 'twin', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 300 } });
    await first.subscribeAsync('twin/#', { qos: 1 });
    const reason = new Promise<number | undefined>((r) => first.once('disconnect', (p) => r(p.reasonCode)));
    const second = await connect(nodes[1], { clientId: 'twin', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 300 } });
    assert.equal(await reason, 0x8e);
    const got = collect(second);
    const pub = await connect(nodes[2], { clientId: 'twin-pub' });
    await pub.publishAsync('twin/x', 'after takeover', { qos: 1 });
    await waitFor(() => got.messages.length === 1, 5000, 'the subscription moved with the session');
    await waitFor(async () => (await api(nodes[2], '/clients/twin')).body.data?.node_id === 2, 5000, 'node 2 holds the session');
    assert.equal((await api(nodes[2], '/clients?clientid=twin')).body.data.length, 1, 'listed once, by the node holding it');
    assert.equal(wills.messages.length, 0);
    await second.endAsync();
  });

  test('a shared subscription gets each message once across the cluster; a member leaving hands its unacknowledged ones on', async () => {
    const members = await Promise.all(nodes.slice(0, 2).map((n, i) => connect(n, { clientId: `share-member-${i + 1}` })));
    for (const m of members) await m.subscribeAsync('$share/workers/jobs/#', { qos: 1 });
    const got = members.map(collect);
    // A member on node 3 that takes messages and never acknowledges them.
    const silent = await rawClient(nodes[2].ports.mqtt, 'share-silent');
    await silent.subscribe('$share/workers/jobs/#', 1);
    await membershipsStored(redis, ['share-member-1', 'share-member-2', 'share-silent'], '$share/workers/jobs/#');
    const pub = await connect(nodes[1], { clientId: 'share-pub' }); // its CONNECT brings node 2 up to date
    const N = 30;
    for (let i = 0; i < N; i++) await pub.publishAsync(`jobs/${i}`, String(i), { qos: 1 });
    await waitFor(() => got[0].messages.length + got[1].messages.length + silent.publishes.length >= N, 10_000, 'every job delivered');
    await sleep(300);
    const byMember = [...got.map((g) => g.messages.map((m: any) => m.payload.toString())), silent.publishes.map((p) => p.payload)];
    assert.equal(byMember.flat().length, N, `each job delivered once: ${byMember.map((b) => b.length)}`);
    assert.equal(new Set(byMember.flat()).size, N);
    for (const [i, b] of byMember.entries()) assert.ok(b.length > 0, `round robin reaches member ${i + 1} on its node`);
    // The silent member goes: what it never acknowledged goes to the others, once.
    const unacked = byMember[2];
    silent.destroy();
    await waitFor(() => got[0].messages.length + got[1].messages.length >= N, 10_000, 'the departed member\'s jobs handed on');
    await sleep(300);
    const delivered = got.flatMap((g) => g.messages.map((m: any) => m.payload.toString()));
    assert.equal(delivered.length, N, 'handed on once');
    assert.deepEqual(new Set(delivered), new Set(Array.from({ length: N }, (_, i) => String(i))));
    assert.ok(unacked.every((p) => delivered.includes(p)));
    // Copies stored for members on other nodes (until acknowledged) are all gone: nothing leaks.
    const shared = new Redis(redis.url);
    try {
      await waitFor(async () => (await shared.hkeys('relaymq:state')).filter((k) => /^q\/share-/.test(k)).length === 0, 5000, 'no stored copy left');
    } finally {
      shared.disconnect();
    }
  });

  test('hostile requests on a node\'s RPC channel are ignored: garbage, unknown and inherited method names', async () => {
    const sub = new Redis(redis.url);
    const pub = new Redis(redis.url);
    const replies: any[] = [];
    try {
      sub.on('message', (_c, text) => replies.push(JSON.parse(text)));
      await sub.subscribe('relaymq:rpc-reply:test');
      const ask = (req: unknown) => pub.publish('relaymq:rpc:2', typeof req === 'string' ? req : JSON.stringify(req));
      await ask('{not json');
      await ask({ id: 1, reply: 'relaymq:rpc-reply:test', method: 'constructor', args: [] });
      await ask({ id: 2, reply: 'relaymq:rpc-reply:test', method: '__proto__', args: [] });
      await ask({ id: 3, reply: 'relaymq:rpc-reply:test', method: 'kick', args: 'not-an-array' });
      await ask({ id: 4, reply: 'relaymq:rpc-reply:test', method: 'brokerInfo', args: [] });
      await waitFor(() => replies.some((r) => r.id === 4), 5000, 'the listed method answers');
      assert.deepEqual(replies.map((r) => r.id), [4], 'nothing else was served');
      assert.equal(replies[0].result.node_id, 2);
      assert.equal((await api(nodes[1], '/brokers/2')).status, 200, 'the node goes on');
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });

  test('per-node endpoints reach that node; sums count shared state once', async () => {
    assert.equal((await api(nodes[0], '/brokers/3')).body.data.node_id, 3);
    assert.equal((await api(nodes[0], '/nodes/2')).body.data.node_id, 2);
    const plugins = (await api(nodes[0], '/plugins/3')).body.data;
    assert.ok(plugins.some((p: any) => p.name === 'rmqtt-http-api' && p.active));
    assert.equal((await api(nodes[2], '/plugins/1/rmqtt-acl')).body.data.name, 'rmqtt-acl');
    assert.equal((await api(nodes[0], '/plugins/2/no-such-plugin')).status, 404);

    const pub = await connect(nodes[0], { clientId: 'sum-pub' });
    for (let i = 0; i < 3; i++) await pub.publishAsync(`sum/retained/${i}`, 'r', { qos: 1, retain: true });
    let perNode: any[] = [];
    let retained: number[] = [];
    // Every node reports the shared retained messages alike once it has applied the log.
    await waitFor(async () => {
      perNode = (await api(nodes[1], '/stats')).body.data;
      retained = perNode.map((n: any) => n.stats['retained.count']);
      return retained[0] >= 3 && new Set(retained).size === 1;
    }, 5000, 'every node reports the retained messages');
    const total = (await api(nodes[1], '/stats/sum')).body.data.stats;
    assert.equal(total['retained.count'], retained[0], 'retained messages counted once in the sum');
    const sessions = perNode.reduce((n: number, x: any) => n + x.stats['sessions.count'], 0);
    assert.equal(total['sessions.count'], sessions, 'sessions are each held by one node: they add up');
    const listed = (await api(nodes[1], '/clients?_limit=10000')).body.data.length;
    assert.equal(sessions, listed, 'every session counted once');
    const prom = await (await request(nodes[2], '/metrics/prometheus')).text();
    assert.match(prom, new RegExp(`rmqtt_stats\\{item="retaineds.count",node="all"\\} ${retained[0]}\\n`));
    for (let i = 0; i < 3; i++) await pub.publishAsync(`sum/retained/${i}`, '', { qos: 1, retain: true });
  });

  test('API subscribe, unsubscribe and publish act on a client of any node', async () => {
    const far = await connect(nodes[2], { clientId: 'far-client' });
    const got = collect(far);
    const post = (path: string, body: object) => api(nodes[0], path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const sub = await post('/mqtt/subscribe', { clientid: 'far-client', topic: 'far/topic', qos: 1 });
    assert.equal(sub.status, 200);
    assert.deepEqual(sub.body.data, { 'far/topic': true });
    assert.equal((await post('/mqtt/publish', { topic: 'far/topic', payload: 'through the API', qos: 1 })).status, 200);
    await waitFor(() => got.messages.length === 1, 5000, 'the API publish on node 1 reached node 3');
    assert.equal((await post('/mqtt/unsubscribe', { clientid: 'far-client', topic: 'far/topic' })).status, 200);
    assert.deepEqual((await api(nodes[1], '/subscriptions?clientid=far-client')).body.data, []);
    assert.equal((await post('/mqtt/subscribe', { clientid: 'nobody-anywhere', topic: 'x', qos: 0 })).status, 404);
  });

  test('a node that does not answer gives a partial answer in bounded time, listed as not running', async () => {
    const frozen = nodes[2];
    frozen.child.kill('SIGSTOP');
    try {
      const started = Date.now();
      const brokers = await api(nodes[0], '/brokers');
      const clients = await api(nodes[0], '/clients');
      assert.equal(brokers.status, 200);
      assert.equal(clients.status, 200);
      assert.ok(Date.now() - started < 8000, `answered in ${Date.now() - started} ms`);
      assert.equal(brokers.body.data.find((b: any) => b.node_id === 3).running, false);
      assert.ok(brokers.body.data.filter((b: any) => b.running).length === 2);
    } finally {
      frozen.child.kill('SIGCONT');
    }
    await clusterFormed(nodes);
  });
});
