// Counters and gauges as an operator reads them: known traffic from real clients and the HTTP
// API, then the exact value of every counter and gauge it touches, through JSON and through
// Prometheus text, which Prometheus' own promtool must accept.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startTestRelay, http, getData, connectClient, collect, waitFor } from './helpers.ts';
import { requiredKeys } from '../src/api/spec.ts';
import type { RelayMQ } from '../src/app.ts';
import type { MqttClient } from 'mqtt';

/** Parses Prometheus text into `name{item,node}` → value. */
function parseProm(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{item="([^"]+)",node="([^"]+)"\} (\S+)$/.exec(line);
    if (m) out.set(`${m[1]}|${m[2]}|${m[3]}`, Number(m[4]));
  }
  return out;
}

describe('metrics and stats', () => {
  let relay: RelayMQ;
  let sub: MqttClient;
  let late: MqttClient;
  let pub: MqttClient;

  before(async () => {
    relay = await startTestRelay();
    // The internal hook API, as the auth and ACL plugins use it (ahead of rmqtt-acl's rules).
    relay.hooks.add('authenticate', async (_c, username) => (username === 'bad' ? 'deny' : 'ignore'), 10);
    relay.hooks.add('authorizePublish', async (_c, p) => (p.topic.startsWith('forbidden/') ? 'deny' : 'ignore'), 10);
    relay.hooks.add('authorizeSubscribe', async (_c, s) => (s.topic.startsWith('secret/') ? 'deny' : 'ignore'), 10);

    sub = await connectClient(relay, { clientId: 'obs', protocolVersion: 5 });
    const inbox = collect(sub);
    await sub.subscribeAsync('m/#', { qos: 2 });
    pub = await connectClient(relay, { clientId: 'pub', protocolVersion: 5, username: 'bob' });
    for (const qos of [0, 0, 1, 1, 2, 2] as const) await pub.publishAsync(`m/${qos}`, 'x', { qos });
    await pub.publishAsync('nobody/x', 'x', { qos: 1 });
    await pub.publishAsync('forbidden/x', 'x', { qos: 1 }).catch(() => {});
    await http(relay, 'POST', '/api/v2/mqtt/publish', { body: { topics: 'm/h1,m/h2', payload: 'h', qos: 1 } });
    await http(relay, 'POST', '/api/v2/mqtt/publish', { body: { topic: 'ret/1', payload: 'r', qos: 1, retain: true } });
    await assert.rejects(connectClient(relay, { clientId: 'intruder', protocolVersion: 4, username: 'bad', password: 'x' }));

    late = await connectClient(relay, { clientId: 'late', protocolVersion: 4 });
    const lateInbox = collect(late);
    await late.subscribeAsync('ret/#', { qos: 1 });
    await assert.rejects(late.subscribeAsync('secret/#', { qos: 1 }), /Subscribe error/); // refused by the ACL hook
    await lateInbox.next(1);

    const willer = await connectClient(relay, { clientId: 'willer', protocolVersion: 4, will: { topic: 'm/will', payload: Buffer.from('w'), qos: 1, retain: false } });
    willer.on('error', () => {});
    await http(relay, 'DELETE', '/api/v2/clients/willer');
    await inbox.next(9); // 6 custom + 2 admin + 1 will
    await waitFor(async () => (await getData(relay, '/api/v2/metrics/1')).metrics['messages.acked'] === 8, 3000, 'acks counted');
    // PUBREC counts as acked; the QoS 2 flows end with PUBCOMP a moment later
    await waitFor(async () => (await getData(relay, '/api/v2/stats/1')).stats['out_inflights.count'] === 0, 3000, 'QoS 2 flows complete');
    willer.end(true);
  });
  after(async () => {
    await Promise.all([sub, late, pub].map((c) => c.endAsync()));
    await relay.close();
  });

  test('every counter has its exact value', async () => {
    const { node, metrics } = await getData(relay, '/api/v2/metrics/1');
    assert.deepEqual(node, { id: 1, name: relay.config.broker.node.name });
    const expected: Record<string, number> = Object.fromEntries(requiredKeys('Metrics').map((k) => [k, 0]));
    Object.assign(expected, {
      'client.connect': 5, // obs, pub, intruder, late, willer
      'client.authenticate': 5,
      'client.connack': 5,
      'client.connack.error': 1, // intruder
      'client.connack.auth.error': 1,
      'client.connected': 4,
      'client.auth.anonymous': 3, // obs, late, willer (pub has a username; intruder's is refused)
      'client.disconnected': 1, // willer, kicked
      'client.publish.check.acl': 9, // 8 PUBLISH from pub + willer's will
      'client.publish.auth.error': 1, // forbidden/x
      'client.publish.error': 1,
      'client.subscribe': 3, // m/#, ret/#, secret/#
      'client.subscribe.check.acl': 3,
      'client.subscribe.auth.error': 1,
      'client.subscribe.error': 1,
      'session.created': 4,
      'session.subscribed': 2,
      'session.terminated': 1, // willer
      'messages.publish': 12, 'messages.publish.custom': 7, 'messages.publish.admin': 3, 'messages.publish.retain': 1, 'messages.publish.lastwill': 1,
      'messages.delivered': 10, 'messages.delivered.custom': 6, 'messages.delivered.admin': 2, 'messages.delivered.retain': 1, 'messages.delivered.lastwill': 1,
      // obs acks 2 QoS 1 + 2 QoS 2 (PUBREC) custom messages, 2 admin and the will; late acks the retained one
      'messages.acked': 8, 'messages.acked.custom': 4, 'messages.acked.admin': 2, 'messages.acked.lastwill': 1, 'messages.acked.retain': 1,
      'messages.nonsubscribed': 2, 'messages.nonsubscribed.custom': 1, 'messages.nonsubscribed.admin': 1, // nobody/x, ret/1
      'messages.dropped': 1, // forbidden/x
    });
    assert.deepEqual(metrics, expected);
    assert.deepEqual(await getData(relay, '/api/v2/metrics/sum'), expected);
    assert.deepEqual(await getData(relay, '/api/v2/metrics'), [{ node: { id: 1, name: relay.config.broker.node.name }, metrics: expected }]);
  });

  test('every gauge has its exact value and maximum', async () => {
    const { node, stats } = await getData(relay, '/api/v2/stats/1');
    assert.deepEqual(node, { id: 1, name: relay.config.broker.node.name, status: 'Running' });
    const expected: Record<string, number> = Object.fromEntries(requiredKeys('Stats').map((k) => [k, 0]));
    Object.assign(expected, {
      'connections.count': 3, 'connections.max': 4,
      'sessions.count': 3, 'sessions.max': 4,
      'subscriptions.count': 2, 'subscriptions.max': 2,
      'topics.count': 2, 'topics.max': 2,
      'routes.count': 2, 'routes.max': 2,
      'retained.count': 1, 'retained.max': 1,
    });
    // Peaks of momentary gauges depend on timing (their exact values have their own tests
    // below); what is certain: every client went through a handshake, and a peak is never
    // below the current value.
    for (const k of ['handshakings.max', 'handshakings_active.max', 'handshakings_rate.max']) assert.ok(stats[k] >= 1, k);
    for (const k of ['handshakings_rate', 'out_inflights', 'in_inflights']) assert.ok(stats[`${k}.max`] >= stats[`${k}.count`], k);
    for (const k of ['handshakings.max', 'handshakings_active.max', 'handshakings_rate.count', 'handshakings_rate.max', 'out_inflights.max', 'in_inflights.max']) {
      expected[k] = stats[k];
    }
    assert.deepEqual(stats, expected);
    const sum = await getData(relay, '/api/v2/stats/sum');
    assert.deepEqual(sum, { nodes: { 1: { name: relay.config.broker.node.name, status: 'Running' } }, stats: expected });
  });

  test('unsubscribe and disconnect move the counters and gauges', async () => {
    await sub.unsubscribeAsync('m/#');
    const m = (await getData(relay, '/api/v2/metrics/1')).metrics;
    assert.equal(m['client.unsubscribe'], 1);
    assert.equal(m['session.unsubscribed'], 1);
    const s = (await getData(relay, '/api/v2/stats/1')).stats;
    assert.equal(s['subscriptions.count'], 1);
    assert.equal(s['subscriptions.max'], 2);
    assert.equal(s['routes.count'], 1);
  });

  test('Prometheus text matches the JSON and passes promtool', async () => {
    const metrics = (await getData(relay, '/api/v2/metrics/1')).metrics;
    const stats = (await getData(relay, '/api/v2/stats/1')).stats;
    const r = await http(relay, 'GET', '/api/v2/metrics/prometheus');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(r.text, /^# HELP rmqtt_metrics All metrics data\n# TYPE rmqtt_metrics gauge\n/);
    assert.match(r.text, /# HELP rmqtt_nodes All nodes status\n# TYPE rmqtt_nodes gauge\n/);
    assert.match(r.text, /# HELP rmqtt_stats All status data\n# TYPE rmqtt_stats gauge\n/);
    const prom = parseProm(r.text);
    for (const [k, v] of Object.entries(metrics)) {
      assert.equal(prom.get(`rmqtt_metrics|${k}|1`), v, k);
      assert.equal(prom.get(`rmqtt_metrics|${k}|all`), v, k);
    }
    // RMQTT's Prometheus names retained messages `retaineds.*` (its dashboards use them); the JSON keeps `retained.*`.
    const promName = (k: string) => k.replace(/^retained\./, 'retaineds.');
    for (const k of Object.keys(stats)) assert.ok(prom.has(`rmqtt_stats|${promName(k)}|1`) && prom.has(`rmqtt_stats|${promName(k)}|all`), k);
    assert.equal(prom.get('rmqtt_stats|retaineds.count|1'), stats['retained.count']);
    assert.ok(!prom.has('rmqtt_stats|retained.count|1'));
    assert.match(r.text, /^process_resident_memory_bytes \d+/m, 'prom-client default process metrics');
    assert.match(r.text, /^nodejs_eventloop_lag_seconds /m, 'and Node.js runtime metrics');
    assert.doesNotMatch(r.text, /^nodejs_active_(handles|requests|resources)/m, 'minus the gauges that list every handle (one per connection) on each scrape');
    assert.equal(prom.get('rmqtt_stats|connections.count|1'), stats['connections.count']);
    assert.equal(prom.get('rmqtt_nodes|running|1'), 1);
    assert.equal(prom.get('rmqtt_nodes|running|all'), 1);
    for (const item of ['disk_free', 'disk_total', 'load1', 'load5', 'load15', 'memory_free', 'memory_total', 'memory_used']) assert.ok(prom.has(`rmqtt_nodes|${item}|1`), item);

    const node = parseProm((await http(relay, 'GET', '/api/v2/metrics/prometheus/1')).text);
    const series = requiredKeys('Metrics').length + requiredKeys('Stats').length + 9; // 9 rmqtt_nodes items
    assert.ok([...node.keys()].every((k) => k.endsWith('|1')));
    assert.equal(node.size, series);
    const sum = parseProm((await http(relay, 'GET', '/api/v2/metrics/prometheus/sum')).text);
    assert.ok([...sum.keys()].every((k) => k.endsWith('|all')) && sum.size === node.size);
    assert.equal((await http(relay, 'GET', '/api/v2/metrics/prometheus/2')).status, 404);

    const check = spawnSync('promtool', ['check', 'metrics'], { input: r.text, encoding: 'utf8' });
    assert.equal(check.error, undefined, 'promtool is installed (Debian package prometheus)');
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });

  test('process_open_fds follows the connections, read at most once a second', async () => {
    const openFds = async () => Number(/^process_open_fds (\d+)$/m.exec((await http(relay, 'GET', '/api/v2/metrics/prometheus')).text)?.[1]);
    // Past the second of an earlier scrape's reading, so that the next scrape reads afresh.
    await new Promise((r) => setTimeout(r, 1100));
    const before = await openFds();
    const started = Date.now();
    const extra = await Promise.all(Array.from({ length: 20 }, (_, i) => connectClient(relay, { clientId: `fds-${i}` })));
    const soon = await openFds();
    // A second scrape within the second gets the same reading (not another listing of /proc/self/fd).
    if (Date.now() - started < 900) assert.equal(soon, before);
    await waitFor(async () => (await openFds()) >= before + 20, 3000, 'a second later, the 20 new sockets are counted');
    await Promise.all(extra.map((c) => c.endAsync()));
  });

  test('unknown node → 404 for stats and metrics', async () => {
    for (const p of ['/api/v2/stats/2', '/api/v2/metrics/2']) {
      const r = await http(relay, 'GET', p);
      assert.deepEqual(r.json, { code: 404, msg: "node '2' not found", data: null });
    }
  });
});

describe('momentary gauges', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay(); });
  after(() => relay.close());

  test('handshakings_rate counts the CONNECTs of the last second; handshakings return to 0', async () => {
    const clients = await Promise.all([1, 2, 3].map((i) => connectClient(relay, { clientId: `rate-${i}`, protocolVersion: 4 })));
    const { stats } = await getData(relay, '/api/v2/stats/1');
    assert.equal(stats['handshakings_rate.count'], 3);
    assert.equal(stats['handshakings_rate.max'], 3);
    assert.equal(stats['handshakings.count'], 0);
    assert.equal(stats['handshakings_active.count'], 0);
    assert.ok(stats['handshakings.max'] >= 1);
    await waitFor(async () => (await getData(relay, '/api/v2/stats/1')).stats['handshakings_rate.count'] === 0, 3000, 'the CONNECTs leave the one-second window');
    const later = (await getData(relay, '/api/v2/stats/1')).stats;
    assert.equal(later['handshakings_rate.max'], 3);
    await Promise.all(clients.map((c) => c.endAsync()));
  });

  test('a socket that never sends CONNECT is a handshake until it closes', async () => {
    const { connect } = await import('node:net');
    const sock = connect(relay.ports.mqtt!, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    await waitFor(async () => (await getData(relay, '/api/v2/stats/1')).stats['handshakings.count'] === 1, 2000, 'open handshake');
    sock.destroy();
    await waitFor(async () => (await getData(relay, '/api/v2/stats/1')).stats['handshakings.count'] === 0, 2000, 'handshake gone');
  });

  test('out_inflights and in_inflights follow unacknowledged QoS messages', async () => {
    const { rawClient } = await import('./raw-mqtt.ts');
    const holder = await rawClient(relay.ports.mqtt!, 'holder-g');
    await holder.subscribe('g/#', 1);
    await http(relay, 'POST', '/api/v2/mqtt/publish', { body: { topic: 'g/1', payload: 'x', qos: 1 } });
    await waitFor(() => holder.publishes.length === 1);
    const s1 = (await getData(relay, '/api/v2/stats/1')).stats;
    assert.equal(s1['out_inflights.count'], 1);
    holder.ack(holder.publishes[0].messageId!);
    await waitFor(async () => (await getData(relay, '/api/v2/stats/1')).stats['out_inflights.count'] === 0, 2000, 'acked');
    assert.equal((await getData(relay, '/api/v2/stats/1')).stats['out_inflights.max'], 1);
    holder.destroy();

    // Incoming: a QoS 2 PUBLISH stays the broker's until the client's PUBREL.
    const sender = await rawClient(relay.ports.mqtt!, 'sender-g');
    sender.send({ cmd: 'publish', topic: 'g/2', payload: Buffer.from('y'), qos: 2, messageId: 7, retain: false, dup: false });
    await sender.next((p) => p.cmd === 'pubrec');
    assert.equal((await getData(relay, '/api/v2/stats/1')).stats['in_inflights.count'], 1);
    sender.send({ cmd: 'pubrel', messageId: 7 });
    await sender.next((p) => p.cmd === 'pubcomp');
    const s2 = (await getData(relay, '/api/v2/stats/1')).stats;
    assert.equal(s2['in_inflights.count'], 0);
    assert.ok(s2['in_inflights.max'] >= 1);
    sender.destroy();
  });
});

describe('message_queues', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay({ broker: { mqtt: { max_inflight: 2 } } }); });
  after(() => relay.close());

  const queues = async () => (await getData(relay, '/api/v2/stats/1')).stats['message_queues.count'];

  test('counts an offline session\'s stored messages, and a connected one\'s unsent ones, as sessions come and go', async () => {
    const { rawClient } = await import('./raw-mqtt.ts');
    const publish = async (n: number) => {
      for (let i = 0; i < n; i++) await http(relay, 'POST', '/api/v2/mqtt/publish', { body: { topic: `mq/${i}`, payload: `m${i}`, qos: 1 } });
    };
    const first = await rawClient(relay.ports.mqtt!, 'queue-owner', { clean: false });
    await first.subscribe('mq/#', 1);
    first.destroy();
    await waitFor(async () => (await getData(relay, '/api/v2/stats/1')).stats['connections.count'] === 0, 3000, 'offline');
    await publish(5);
    await waitFor(async () => (await queues()) === 5, 3000, 'five stored for the offline session');

    // Back online, acknowledging everything it is sent: nothing waits.
    const again = await rawClient(relay.ports.mqtt!, 'queue-owner', { clean: false });
    const ackAll = setInterval(() => { for (const p of again.publishes.splice(0)) again.ack(p.messageId!); }, 10);
    await waitFor(async () => (await queues()) === 0 && (await getData(relay, '/api/v2/stats/1')).stats['out_inflights.count'] === 0, 3000, 'all delivered');
    clearInterval(ackAll);
    again.publishes.splice(0);

    // Connected, acknowledging nothing: 2 in flight (max_inflight), 3 waiting to be sent.
    await publish(5);
    await waitFor(() => again.publishes.length === 2, 3000, 'the window');
    await waitFor(async () => (await queues()) === 3, 3000, 'three waiting');

    // Offline again: all five are stored for it.
    again.destroy();
    await waitFor(async () => (await queues()) === 5, 3000, 'five stored again');
    assert.equal((await getData(relay, '/api/v2/stats/1')).stats['message_queues.max'], 5);
  });
});
