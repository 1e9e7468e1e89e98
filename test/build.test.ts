// The built broker, as `npm ci && npm start` runs it: `npm run build` compiles to dist/ and
// bundles the broker into one file (scripts/bundle.sh); that file starts, answers probes, serves
// MQTT, and loads the parts it loads only when asked: the Prometheus page, and cluster mode on a
// real Redis with the packages the bundle leaves in node_modules. The other tests run the
// TypeScript sources through tsx.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { processConfig, newDataDir, spawnRelay, RELAY_ENTRY, type RelayProcess } from './process.ts';
import { START_FILE } from '../scripts/start-file.ts';
import { startRedis } from './redis.ts';
import { nodeConfig, clusterFormed } from './cluster-fixture.ts';
import { collect, waitFor } from './helpers.ts';

before(() => {
  const build = spawnSync('npm', ['run', '-s', 'build'], { encoding: 'utf8', timeout: 150_000 });
  assert.equal(build.status, 0, build.stdout + build.stderr);
});

async function stop(nodes: RelayProcess[]): Promise<void> {
  for (const n of nodes) n.child.kill('SIGTERM');
  await Promise.all(nodes.map((n) => n.exited));
}

test('the bundled relaymq starts, is ready, serves MQTT, the spec, the docs and a Prometheus page', { timeout: 120_000 }, async () => {
  const version = spawnSync(process.execPath, ['bin/relaymq.js', '--version'], { encoding: 'utf8', timeout: 20_000 });
  assert.match(version.stdout, /^relaymq\/\d+\.\d+\.\d+\n$/);

  const relay = await spawnRelay(processConfig(newDataDir()), RELAY_ENTRY.built);
  try {
    const base = `http://127.0.0.1:${relay.ports.http}/api/v2`;
    assert.equal((await fetch(`${base}/health/ready`)).status, 200);
    // The files the build must carry along: the spec, and the docs renderer from node_modules.
    assert.equal((await fetch(`${base}/openapi.yaml`)).status, 200);
    assert.equal((await fetch(`${base}/docs/redoc.standalone.js`)).status, 200);
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${relay.ports.mqtt}`, { reconnectPeriod: 0 });
    const got = new Promise<string>((r) => c.on('message', (_t, p) => r(String(p))));
    await c.subscribeAsync('smoke/t');
    await c.publishAsync('smoke/t', 'built');
    assert.equal(await got, 'built');
    await c.endAsync();
    const scrape = await fetch(`${base}/metrics/prometheus`);
    assert.equal(scrape.status, 200);
    assert.match(await scrape.text(), /^rmqtt_metrics\{item="messages.publish",node="1"\} [1-9]/m);
  } finally {
    await stop([relay]);
  }
});

test('the bundle requires debug from node_modules, where quiet-debug replaces it (a bundled copy would stay loud)', () => {
  const bundle = readFileSync(START_FILE, 'utf8');
  assert.doesNotMatch(bundle, /function createDebug\(/, 'debug/src/common.js is inlined in the bundle');
  assert.match(bundle, /__require\("debug"\)\("mqtt-packet:parser"\)/);
});

test('the bundled relaymq still logs through debug when DEBUG is set at start', { timeout: 60_000 }, async () => {
  const relay = await spawnRelay(processConfig(newDataDir()), RELAY_ENTRY.built, { ...process.env, DEBUG: 'mqtt-packet:parser' });
  try {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${relay.ports.mqtt}`, { reconnectPeriod: 0 });
    await c.endAsync();
    await waitFor(() => /mqtt-packet:parser .*connect/i.test(relay.output()), 10_000, 'the parser tracing the CONNECT');
  } finally {
    await stop([relay]);
  }
});

test('two bundled nodes form a cluster on a real Redis and route a message between them', { timeout: 120_000 }, async () => {
  const redis = await startRedis();
  const nodes: RelayProcess[] = [];
  try {
    nodes.push(...await Promise.all([1, 2].map((id) => spawnRelay(nodeConfig(id, redis), RELAY_ENTRY.built))));
    await clusterFormed(nodes);
    const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${nodes[1].ports.mqtt}`, { reconnectPeriod: 0 });
    const got = collect(sub);
    await sub.subscribeAsync('across/t', { qos: 1 });
    const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${nodes[0].ports.mqtt}`, { reconnectPeriod: 0 });
    // A subscription reaches the other node's route table within its bound; publish until it has.
    await waitFor(async () => { await pub.publishAsync('across/t', 'from node 1', { qos: 1 }); return got.messages.length > 0; }, 10_000, 'the message on node 2');
    assert.equal(String(got.messages[0].payload), 'from node 1');
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  } finally {
    await stop(nodes);
    await redis.stop();
  }
});
