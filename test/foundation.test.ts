// The foundation as an operator sees it: the broker serves MQTT 3.1.1 and 5 over TCP and
// WebSocket, and /api/v2 answers the broker and node endpoints with real figures in the envelope.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { startTestRelay, http, getData, connectClient, collect, waitFor } from './helpers.ts';
import { specDocument } from '../src/api/spec.ts';
import type { RelayMQ } from '../src/app.ts';

const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const UPTIME = /^\d+ days \d+ hours, \d+ minutes, \d+ seconds$/;

describe('MQTT listeners', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay(); });
  after(() => relay.close());

  for (const transport of ['tcp', 'ws'] as const) {
    for (const protocolVersion of [4, 5] as const) {
      test(`MQTT ${protocolVersion === 5 ? '5' : '3.1.1'} over ${transport}: publish and receive`, async () => {
        const sub = await connectClient(relay, { transport, protocolVersion, clientId: `sub-${transport}-${protocolVersion}` });
        const pub = await connectClient(relay, { transport, protocolVersion, clientId: `pub-${transport}-${protocolVersion}` });
        const inbox = collect(sub);
        await sub.subscribeAsync(`t/${transport}/${protocolVersion}`, { qos: 1 });
        await pub.publishAsync(`t/${transport}/${protocolVersion}`, 'hello', { qos: 1 });
        const [m] = await inbox.next(1);
        assert.equal(m.topic, `t/${transport}/${protocolVersion}`);
        assert.equal(m.payload.toString(), 'hello');
        assert.equal(m.packet.qos, 1);
        await Promise.all([sub.endAsync(), pub.endAsync()]);
      });
    }
  }
});

describe('brokers and nodes', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay({ broker: { node: { id: 3, name: '3@test-host' } } }); });
  after(() => relay.close());

  test('GET /brokers lists this node with real figures', async () => {
    const data = await getData(relay, '/api/v2/brokers');
    assert.equal(data.length, 1);
    const b = data[0];
    assert.equal(b.node_id, 3);
    assert.equal(b.node_name, '3@test-host');
    assert.equal(b.running, true);
    assert.equal(b.node_status, 'Running');
    assert.match(b.datetime, DATETIME);
    assert.match(b.uptime, UPTIME);
    assert.match(b.version, /^relaymq\/\d+\.\d+\.\d+/);
    assert.equal(b.rustc_version, `node ${process.version}`);
    assert.equal(typeof b.sysdescr, 'string');
  });

  test('GET /brokers/{node} returns the object; an unknown node is a 404 naming it', async () => {
    const b = await getData(relay, '/api/v2/brokers/3');
    assert.equal(b.node_id, 3);
    const r = await http(relay, 'GET', '/api/v2/brokers/4');
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { code: 404, msg: "node '4' not found", data: null });
  });

  test('GET /nodes and /nodes/{node}: connections counts the MQTT clients of both protocols and transports', async () => {
    const before = await getData(relay, '/api/v2/nodes/3');
    assert.equal(before.connections, 0);
    const clients = await Promise.all([
      connectClient(relay, { protocolVersion: 4, clientId: 'n-a' }),
      connectClient(relay, { protocolVersion: 5, clientId: 'n-b' }),
      connectClient(relay, { protocolVersion: 5, clientId: 'n-c', transport: 'ws' }),
    ]);
    const [n] = await getData(relay, '/api/v2/nodes');
    assert.equal(n.connections, 3);
    assert.equal(n.node_id, 3);
    assert.equal(n.memory_total, os.totalmem());
    assert.equal(n.memory_used + n.memory_free, n.memory_total);
    assert.ok(n.disk_total > 0 && n.disk_free > 0 && n.disk_free <= n.disk_total);
    for (const k of ['load1', 'load5', 'load15']) assert.equal(typeof n[k], 'number');
    assert.match(n.boottime, DATETIME);
    assert.ok(Date.parse(n.boottime.replace(' ', 'T')) <= Date.now());
    await Promise.all(clients.map((c) => c.endAsync()));
    await waitFor(async () => (await getData(relay, '/api/v2/nodes/3')).connections === 0, 5000, 'connections back to 0');
    assert.equal((await http(relay, 'GET', '/api/v2/nodes/9')).status, 404);
  });

  test('GET /api/v2 lists exactly the operations of the spec', async () => {
    const list = await getData(relay, '/api/v2');
    const expected: { path: string; name: string; method: string; descr: string }[] = [];
    for (const [path, item] of Object.entries(specDocument().paths)) {
      for (const [method, op] of Object.entries(item)) {
        expected.push({ path, name: op.operationId, method: method.toUpperCase(), descr: op.summary ?? '' });
      }
    }
    const key = (e: { method: string; path: string }) => `${e.method} ${e.path}`;
    assert.deepEqual([...list].sort((a, b) => key(a).localeCompare(key(b))), expected.sort((a, b) => key(a).localeCompare(key(b))));
    assert.ok(list.some((e: any) => e.name === 'get_brokers' && e.path === '/brokers/{node}'));
  });
});
