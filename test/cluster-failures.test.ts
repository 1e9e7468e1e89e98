// A three-node cluster on a real redis-server when things go wrong: a node starting while clients
// hold wills, a node killed with SIGKILL, a node id already in use, Redis restarting, and Redis
// restarting without its data.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { collect, waitFor } from './helpers.ts';
import { spawnRelay, type RelayProcess } from './process.ts';
import type { RedisServer } from './redis.ts';
import { rawClient } from './raw-mqtt.ts';
import { DEAD_NODE_BOUND_MS, api, clusterFormed, membershipsStored, nodeConfig, request, running, sleep, useCluster } from './cluster-fixture.ts';

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
    await membershipsStored(redis, ['dead-share-worker', 'dead-share-stuck', 'dead-share-clean'], '$share/dq/jobs/#');
    const jobs = await connect(nodes[0], { clientId: 'dead-jobs-pub' }); // its CONNECT brings node 1 up to date
    for (let i = 0; i < 9; i++) await jobs.publishAsync(`jobs/${i}`, `job${i}`, { qos: 1 });
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
