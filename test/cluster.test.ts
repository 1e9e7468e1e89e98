// Three relaymq processes sharing one real redis-server, run as an operator runs them
// (`relaymq --config FILE`), observed through real MQTT clients and real HTTP requests: routing
// exactly once per subscription, retained messages, the merged API, sessions resumed on another
// node, takeover, a node killed with SIGKILL, no false wills while a node starts, Redis restarting.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { Redis } from 'ioredis';
import { connectMqtt, collect, waitFor } from './helpers.ts';
import { freePort, newDataDir, processConfig, spawnRelay, type RelayProcess } from './process.ts';
import { startRedis, type RedisServer } from './redis.ts';
import { rawClient } from './raw-mqtt.ts';

/** The bound for reporting a dead node (and publishing its wills). */
const DEAD_NODE_BOUND_MS = 15_000;

function nodeConfig(id: number, redis: RedisServer, name = `${id}@cluster-test`): string {
  return processConfig(newDataDir(), `[node]\nid = ${id}\nname = "${name}"\n[cluster]\ntype = "redis"\nredis_url = "${redis.url}"\n`);
}

const mqttUrl = (n: RelayProcess) => `mqtt://127.0.0.1:${n.ports.mqtt}`;
const running = (n: RelayProcess) => n.child.exitCode === null && n.child.signalCode === null;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** fetch, tried twice: a kept-alive socket the server has just closed fails the first try. */
async function request(n: RelayProcess, path: string, init?: RequestInit): Promise<Response> {
  const url = `http://127.0.0.1:${n.ports.http}/api/v2${path}`;
  return fetch(url, init).catch(() => fetch(url, init)).catch((e: Error) => {
    // Say why: a node that exited shows its last lines.
    const state = running(n) ? 'running' : `exited (${n.child.exitCode ?? n.child.signalCode})`;
    throw new Error(`${path}: ${e.message}; the node is ${state}:\n${n.output().slice(-1500)}`);
  });
}

async function api(n: RelayProcess, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const r = await request(n, path, init);
  return { status: r.status, body: await r.json() };
}

/** Every node lists every other as running (registrations are read once a second). */
async function clusterFormed(nodes: RelayProcess[]): Promise<void> {
  for (const n of nodes) {
    await waitFor(async () => {
      const { body } = await api(n, '/nodes');
      return body.data.filter((x: any) => x.running).length === nodes.length;
    }, 10_000, 'every node sees the others');
  }
}

/**
 * Starts Redis and three nodes before the suite's tests and stops them (and every client made by
 * the returned `connect`) after. `use` gets the server and the node list (tests may add nodes to it).
 */
function useCluster(use: (redis: RedisServer, nodes: RelayProcess[]) => void) {
  let redis: RedisServer;
  let nodes: RelayProcess[] = [];
  const clients: MqttClient[] = [];
  before(async () => {
    redis = await startRedis();
    nodes = await Promise.all([1, 2, 3].map((id) => spawnRelay(nodeConfig(id, redis))));
    await clusterFormed(nodes);
    use(redis, nodes);
  });
  after(async () => {
    for (const c of clients) c.end(true);
    for (const n of nodes) if (running(n)) n.child.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.exited));
    await redis.stop();
  });
  return async (n: RelayProcess, opts: Parameters<typeof connectMqtt>[1] = {}) => {
    const c = await connectMqtt(mqttUrl(n), { reconnectPeriod: 0, ...opts });
    c.on('error', () => {}); // a client of a node a test kills
    clients.push(c);
    return c;
  };
}

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
    await sleep(300); // the memberships reach every node through the cluster log
    const pub = await connect(nodes[1], { clientId: 'share-pub' });
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

  test('per-node endpoints reach that node; sums count shared state once', async () => {
    assert.equal((await api(nodes[0], '/brokers/3')).body.data.node_id, 3);
    assert.equal((await api(nodes[0], '/nodes/2')).body.data.node_id, 2);
    const plugins = (await api(nodes[0], '/plugins/3')).body.data;
    assert.ok(plugins.some((p: any) => p.name === 'rmqtt-http-api' && p.active));
    assert.equal((await api(nodes[2], '/plugins/1/rmqtt-acl')).body.data.name, 'rmqtt-acl');
    assert.equal((await api(nodes[0], '/plugins/2/no-such-plugin')).status, 404);

    const pub = await connect(nodes[0], { clientId: 'sum-pub' });
    for (let i = 0; i < 3; i++) await pub.publishAsync(`sum/retained/${i}`, 'r', { qos: 1, retain: true });
    await sleep(300);
    const perNode = (await api(nodes[1], '/stats')).body.data;
    const retained = perNode.map((n: any) => n.stats['retained.count']);
    assert.deepEqual(new Set(retained).size, 1, `every node reports the shared retained messages alike: ${retained}`);
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

describe('cluster on Redis: nodes dying and starting, Redis restarting', { timeout: 240_000 }, () => {
  let redis: RedisServer;
  let nodes: RelayProcess[] = [];
  const connect = useCluster((r, n) => { redis = r; nodes = n; });

  test('no will is published for a connected client while a node starts', async () => {
    const watch = await connect(nodes[0], { clientId: 'false-will-watch' });
    const wills = collect(watch);
    await watch.subscribeAsync('wills/#', { qos: 1 });
    // Clients with wills on a node that has just started, and on the running ones.
    const fresh = await spawnRelay(nodeConfig(4, redis));
    nodes.push(fresh);
    for (const [i, n] of [fresh, nodes[0], nodes[1]].entries()) {
      await connect(n, { clientId: `will-holder-${i}`, will: { topic: `wills/${i}`, payload: Buffer.from('gone'), qos: 1, retain: false } });
    }
    // Past the time a survivor needs to call a silent node dead (and Aedes' own 60 s heartbeat trap).
    await sleep(DEAD_NODE_BOUND_MS);
    assert.deepEqual(wills.messages.map((m: any) => m.topic), []);
    await clusterFormed(nodes);
  });

  test('kill -9 of a node: its wills once, reported not running within 15 s, its sessions resumable, the API answering', async () => {
    const victim = nodes[2];
    const watchers = await Promise.all([nodes[0], nodes[1]].map((n, i) => connect(n, { clientId: `dead-watch-${i}` })));
    for (const w of watchers) await w.subscribeAsync('dead/will', { qos: 1 });
    const got = watchers.map(collect);
    await connect(victim, { clientId: 'dies-with-node', will: { topic: 'dead/will', payload: Buffer.from('node died'), qos: 1, retain: false } });
    const sleeper = await connect(victim, { clientId: 'sleeper', clean: false });
    await sleeper.subscribeAsync('dead/queue/#', { qos: 1 });
    sleeper.end(true);
    await waitFor(async () => (await api(nodes[0], '/clients/sleeper')).body.data?.connected === false, 5000, 'sleeper offline');
    const pub = await connect(nodes[0], { clientId: 'dead-pub' });
    for (let i = 0; i < 3; i++) await pub.publishAsync(`dead/queue/${i}`, String(i), { qos: 1 });
    // A shared group with a persistent member on the doomed node that never acknowledges, and one elsewhere.
    const worker = await connect(nodes[1], { clientId: 'dead-share-worker' });
    await worker.subscribeAsync('$share/dq/jobs/#', { qos: 1 });
    const work = collect(worker);
    const stuck = await rawClient(victim.ports.mqtt, 'dead-share-stuck', { clean: false });
    await stuck.subscribe('$share/dq/jobs/#', 1);
    const stuckClean = await rawClient(victim.ports.mqtt, 'dead-share-clean');
    await stuckClean.subscribe('$share/dq/jobs/#', 1);
    await sleep(300);
    for (let i = 0; i < 9; i++) await pub.publishAsync(`jobs/${i}`, `job${i}`, { qos: 1 });
    await waitFor(() => work.messages.length + stuck.publishes.length + stuckClean.publishes.length >= 9, 5000, 'jobs shared out');
    assert.ok(stuck.publishes.length > 0 && stuckClean.publishes.length > 0, 'both members on the doomed node got some');

    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await victim.exited;
    await waitFor(async () => {
      const n = (await api(nodes[0], '/nodes')).body.data.find((x: any) => x.node_id === 3);
      return n && n.running === false && n.node_status !== 'Running';
    }, DEAD_NODE_BOUND_MS + 2000, 'node 3 reported down');
    assert.ok(Date.now() - killedAt <= DEAD_NODE_BOUND_MS, `reported down after ${Date.now() - killedAt} ms`);
    for (const g of got) await waitFor(() => g.messages.length >= 1, DEAD_NODE_BOUND_MS, 'the will of a client of the dead node');
    await sleep(3000);
    assert.deepEqual(got.map((g) => g.messages.map((m: any) => m.payload.toString())), [['node died'], ['node died']], 'the will is published exactly once');
    assert.equal((await api(nodes[0], '/metrics/sum')).body.data['messages.publish.lastwill'], 1, 'counted once, as a will');

    // The API answers (the dead node listed as not running), never a 500.
    for (const path of ['/brokers', '/nodes', '/stats', '/stats/sum', '/metrics', '/clients', '/subscriptions', '/routes', '/plugins']) {
      const { status } = await api(nodes[1], path);
      assert.equal(status, 200, path);
    }
    const brokers = (await api(nodes[1], '/brokers')).body.data;
    assert.deepEqual(brokers.find((b: any) => b.node_id === 3)?.running, false);

    // Its persistent session is held by a survivor and resumes anywhere with the queued messages.
    await waitFor(async () => [1, 2, 4].includes((await api(nodes[1], '/clients/sleeper')).body.data?.node_id), 5000, 'a survivor holds the session');
    const back = await connect(nodes[1], { clientId: 'sleeper', clean: false });
    const queued = collect(back);
    await waitFor(() => queued.messages.length >= 3, 5000, 'queued messages after the node died');
    assert.deepEqual(queued.messages.map((m: any) => m.payload.toString()).sort(), ['0', '1', '2']);

    // What the dead node's shared members (persistent or not) never acknowledged went to the
    // member still there, once.
    await waitFor(() => work.messages.length >= 9, 5000, 'the dead members\' jobs handed on');
    await sleep(300);
    assert.deepEqual(work.messages.map((m: any) => m.payload.toString()).sort(), Array.from({ length: 9 }, (_, i) => `job${i}`));
  });

  test('a node whose id another running node uses refuses to start, saying so', async () => {
    await assert.rejects(spawnRelay(nodeConfig(1, redis, 'impostor')), /node id 1 is in use by the running node '1@cluster-test'/);
  });

  test('Redis restarting: nodes reconnect on their own, readiness reports the link, routing resumes', async () => {
    const live = nodes.filter(running);
    const v5 = await connect(live[0], { clientId: 'during-outage', protocolVersion: 5 });
    await redis.stop();
    // What cannot be stored or routed is not acknowledged: PUBACK with 0x80.
    await assert.rejects(v5.publishAsync('outage/x', 'lost?', { qos: 1 }), /0x80|128|Unspecified|error/i);
    await waitFor(async () => (await request(live[0], '/health/ready')).status === 503, 5000, 'not ready without Redis');
    const ready = await request(live[0], '/health/ready');
    assert.match(JSON.stringify(await ready.json()), /Redis/);
    await redis.start();
    for (const n of live) {
      await waitFor(async () => (await request(n, '/health/ready')).status === 200, 15_000, 'ready again');
    }
    const sub = await connect(live[1], { clientId: 'after-restart-sub' });
    await sub.subscribeAsync('after/#', { qos: 1 });
    const got = collect(sub);
    const pub = await connect(live[0], { clientId: 'after-restart-pub' });
    await pub.publishAsync('after/x', 'routed', { qos: 1 });
    await waitFor(() => got.messages.length === 1, 5000, 'routing after Redis came back');
    await sleep(DEAD_NODE_BOUND_MS);
    const status = (await api(live[0], '/nodes')).body.data.filter((x: any) => x.running).map((x: any) => x.node_id).sort();
    assert.deepEqual(status, live.map((n) => nodes.indexOf(n) + 1).sort(), 'no live node was taken for dead');
    for (const n of live) assert.ok(running(n), 'every node is still running');
  });

  test('Redis restarting empty: every node stops with one line saying the cluster state is gone', async () => {
    const live = nodes.filter(running);
    await redis.restartEmpty();
    const codes = await Promise.all(live.map((n) => n.exited));
    for (const [i, n] of live.entries()) {
      assert.equal(codes[i], 70, 'exit 70, for the service manager to restart it');
      assert.match(n.output(), /Redis no longer has the cluster's state/);
    }
  });
});
