// /health and /health/ready (relaymq extension): what a load balancer or Kubernetes probe sees,
// with and without a bearer token configured.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RelayMQ } from '../src/app.ts';
import { startTestRelay, http } from './helpers.ts';

describe('health probes', { timeout: 60_000 }, () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay({ httpApi: { http_bearer_token: 'secret' } }); });
  after(() => relay.close());

  test('liveness and readiness answer without the token; everything else still needs it', async () => {
    const live = await http(relay, 'GET', '/api/v2/health');
    assert.equal(live.status, 200);
    assert.equal(live.json.data.status, 'alive');
    assert.equal(live.json.data.node_id, 1);
    const ready = await http(relay, 'GET', '/api/v2/health/ready');
    assert.equal(ready.status, 200);
    assert.equal(ready.json.data.status, 'ready');
    assert.equal((await http(relay, 'GET', '/api/v2/brokers')).status, 401);
    assert.equal((await http(relay, 'GET', '/api/v2/health/other')).status, 401, 'only the two probe paths are open');
  });

  test('listed in GET /api/v2 like every operation', async () => {
    const list = (await http(relay, 'GET', '/api/v2', { headers: { authorization: 'Bearer secret' } })).json.data;
    assert.ok(list.some((e: { path: string }) => e.path === '/health/ready'));
  });
});

test('health_requires_token = true: the probes need the token too', { timeout: 60_000 }, async () => {
  const relay = await startTestRelay({ httpApi: { http_bearer_token: 'secret', health_requires_token: true } });
  try {
    assert.equal((await http(relay, 'GET', '/api/v2/health')).status, 401);
    assert.equal((await http(relay, 'GET', '/api/v2/health', { headers: { authorization: 'Bearer secret' } })).status, 200);
  } finally {
    await relay.close();
  }
});

test('readiness is 503 with the reason while the broker shuts down; liveness stays 200 while it serves', { timeout: 60_000 }, async () => {
  const relay = await startTestRelay();
  try {
    relay.broker.close(); // the MQTT side stops first, as in a shutdown
    const ready = await http(relay, 'GET', '/api/v2/health/ready');
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.json, { code: 503, msg: 'not ready: the broker is shutting down', data: null });
    assert.equal((await http(relay, 'GET', '/api/v2/health')).status, 200);
  } finally {
    await relay.close();
  }
});
