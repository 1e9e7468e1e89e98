// The HTTP layer as a client sees it: every failure in the envelope with the right status and a
// message naming the problem, explicit limits, bearer authentication, and routing that never
// reads a static segment ("sum") as a node id.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startTestRelay, http, getData } from './helpers.ts';
import { createBackend } from '../src/api/backend.ts';
import { handlers } from '../src/api/handlers.ts';
import { specDocument } from '../src/api/spec.ts';
import { MAX_BODY_BYTES } from '../src/api/server.ts';
import type { RelayMQ } from '../src/app.ts';

function assertError(r: { status: number; json: any; headers: any }, status: number, msg: RegExp) {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.json.code, status);
  assert.equal(r.json.data, null);
  assert.match(r.json.msg, msg);
}

describe('errors in the envelope', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay({ httpApi: { max_row_limit: 50 } }); });
  after(() => relay.close());

  test('unknown path → 404, also outside /api/v2', async () => {
    assertError(await http(relay, 'GET', '/api/v2/nope'), 404, /no endpoint at '\/api\/v2\/nope'/);
    assertError(await http(relay, 'GET', '/'), 404, /no endpoint/);
  });

  test('wrong method → 405 with an Allow header', async () => {
    const r = await http(relay, 'DELETE', '/api/v2/brokers');
    assertError(r, 405, /method DELETE is not allowed on '\/api\/v2\/brokers'/);
    assert.equal(r.headers.allow, 'GET');
    const t = await http(relay, 'POST', '/api/v2/clients/abc');
    assertError(t, 405, /POST/);
    assert.equal(t.headers.allow, 'GET, DELETE');
  });

  test('_limit: 0, negative, non-integer and non-numeric → 400 naming _limit', async () => {
    for (const v of ['0', '-1', '1.5', 'ten']) {
      assertError(await http(relay, 'GET', `/api/v2/routes?_limit=${v}`), 400, /query parameter '_limit'/);
    }
  });

  test('node ids are integers ≥ 1 → 400 otherwise', async () => {
    assertError(await http(relay, 'GET', '/api/v2/brokers/0'), 400, /path parameter 'node' must be >= 1/);
    assertError(await http(relay, 'GET', '/api/v2/nodes/x'), 400, /path parameter 'node' must be a decimal integer/);
    assertError(await http(relay, 'GET', '/api/v2/nodes/99999999999'), 400, /path parameter 'node'/);
  });

  test('bad query value types → 400 naming the parameter', async () => {
    assertError(await http(relay, 'GET', '/api/v2/clients?connected=maybe'), 400, /query parameter 'connected' must be 'true' or 'false'/);
    assertError(await http(relay, 'GET', '/api/v2/clients?proto_ver=6'), 400, /query parameter 'proto_ver' must be one of 3, 4, 5/);
    assertError(await http(relay, 'GET', '/api/v2/subscriptions?qos=3'), 400, /query parameter 'qos'/);
  });

  test('request bodies: missing field, extra property, bad enum, wrong type → 400 naming it', async () => {
    const post = (body: unknown) => http(relay, 'POST', '/api/v2/mqtt/publish', { body });
    assertError(await post({ topic: 'a' }), 400, /missing required property 'payload'/);
    assertError(await post({ payload: 'x' }), 400, /must contain 'topic' or 'topics'/);
    assertError(await post({ topic: 'a', payload: 'x', colour: 1 }), 400, /unknown property 'colour'/);
    assertError(await post({ topic: 'a', payload: 'x', encoding: 'hex' }), 400, /'encoding' must be one of "plain", "base64"/);
    assertError(await post({ topic: 'a', payload: 'x', qos: '1' }), 400, /'qos'/);
    assertError(await post({ topic: 'a/#', payload: 'x' }), 400, /request body property 'topic' must match pattern/);
    assertError(await http(relay, 'POST', '/api/v2/mqtt/subscribe', { body: { topic: 'a' } }), 400, /missing required property 'clientid'/);
  });

  test('malformed JSON → 400; no body → 400; not application/json → 415', async () => {
    assertError(await http(relay, 'POST', '/api/v2/mqtt/publish', { raw: '{"topic":', headers: { 'content-type': 'application/json' } }), 400, /not valid JSON/);
    assertError(await http(relay, 'POST', '/api/v2/mqtt/publish'), 400, /request body is required/);
    assertError(await http(relay, 'POST', '/api/v2/mqtt/publish', { raw: 'topic=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, /application\/x-www-form-urlencoded/);
    assertError(await http(relay, 'POST', '/api/v2/mqtt/publish', { raw: '{}' }), 415, /got ''/);
  });

  test('bodies over 1 MiB → 413, with or without Content-Length; 1 MiB exactly is read', async () => {
    const big = JSON.stringify({ topic: 'a', payload: 'x'.repeat(MAX_BODY_BYTES) });
    assertError(await http(relay, 'POST', '/api/v2/mqtt/publish', { raw: big, headers: { 'content-type': 'application/json' } }), 413, /exceeds 1048576 bytes/);
    assertError(await http(relay, 'POST', '/api/v2/mqtt/publish', { raw: big, chunked: true, headers: { 'content-type': 'application/json' } }), 413, /exceeds/);
    const exact = JSON.stringify({ topic: 'a', payload: '' });
    const padded = exact.slice(0, -1) + ' '.repeat(MAX_BODY_BYTES - exact.length) + '}';
    assert.equal(Buffer.byteLength(padded), MAX_BODY_BYTES);
    const r = await http(relay, 'POST', '/api/v2/mqtt/publish', { raw: padded, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 200, 'a body of exactly the limit is accepted');
    assert.deepEqual(r.json, { code: 0, msg: '', data: 'ok' });
    // the server is still serving
    assert.equal((await getData(relay, '/api/v2/brokers')).length, 1);
  });

  test('/stats/sum, /metrics/sum, /metrics/prometheus(/sum) are static paths, never a node id', () => {
    // Routing is checked on the compiled router itself, independently of the handlers.
    return createBackend(specDocument() as never, handlers).then(({ router }) => {
      const id = (p: string) => router.match('GET', `/api/v2${p}`).operation?.operationId;
      assert.equal(id('/stats/sum'), 'get_stats_sum');
      assert.equal(id('/stats/2'), 'get_stats');
      assert.equal(id('/metrics/sum'), 'get_metrics_sum');
      assert.equal(id('/metrics/prometheus'), 'get_prometheus_metrics');
      assert.equal(id('/metrics/prometheus/sum'), 'get_prometheus_metrics_sum');
      assert.equal(id('/metrics/prometheus/1'), 'get_prometheus_node_metrics');
      assert.equal(id('/metrics/7'), 'get_metrics');
      assert.equal(id('/brokers/'), 'list_brokers');
      assert.equal(id(''), 'list_apis');
    });
  });
});

describe('bearer token', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay({ httpApi: { http_bearer_token: 's3cret' } }); });
  after(() => relay.close());

  test('missing or wrong token → 401; the right one passes', async () => {
    assertError(await http(relay, 'GET', '/api/v2/brokers'), 401, /bearer token/);
    assertError(await http(relay, 'GET', '/api/v2/brokers', { headers: { authorization: 'Bearer nope' } }), 401, /bearer token/);
    assertError(await http(relay, 'GET', '/api/v2/brokers', { headers: { authorization: 'Basic s3cret' } }), 401, /bearer token/);
    const ok = await http(relay, 'GET', '/api/v2/brokers', { headers: { authorization: 'Bearer s3cret' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.data[0].running, true);
  });

  test('authentication comes before validation', async () => {
    assertError(await http(relay, 'GET', '/api/v2/routes?_limit=0'), 401, /bearer token/);
  });
});

describe('request log', () => {
  test('http_request_log = true writes one structured line per request', async () => {
    const lines: any[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(chunk.toString())); cb(); } });
    const relay = await startTestRelay({ httpApi: { http_request_log: true }, log: pino({ level: 'warn' }, sink) });
    try {
      await http(relay, 'GET', '/api/v2/brokers');
      await http(relay, 'GET', '/api/v2/nodes/42');
      const req = lines.filter((l) => l.msg === 'http request');
      assert.equal(req.length, 2);
      assert.deepEqual(req.map((l) => [l.method, l.url, l.status]), [['GET', '/api/v2/brokers', 200], ['GET', '/api/v2/nodes/42', 404]]);
      assert.equal(typeof req[0].ms, 'number');
    } finally {
      await relay.close();
    }
  });

  test('http_request_log = false writes none', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(chunk.toString()); cb(); } });
    const relay = await startTestRelay({ log: pino({ level: 'info' }, sink) });
    try {
      await http(relay, 'GET', '/api/v2/brokers');
      assert.equal(lines.filter((l) => l.includes('http request')).length, 0);
    } finally {
      await relay.close();
    }
  });
});
