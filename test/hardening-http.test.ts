// The HTTP API's edge, as an attacker would probe it: authentication before anything else,
// malformed and slow requests, oversize headers, strict parameters, connection caps, and the
// loopback-only default without a token.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startTestRelay, http, connectClient } from './helpers.ts';
import { refuseAccess } from '../src/api/access.ts';
import type { RelayMQ } from '../src/app.ts';

/** Sends raw bytes to the API and returns everything it answers until it closes (bounded). */
function rawHttp(port: number, bytes: string | Buffer, timeoutMs = 5000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const s = tcpConnect(port, '127.0.0.1', () => s.write(bytes));
    const timer = setTimeout(() => { s.destroy(); resolve({ text, closed: false }); }, timeoutMs);
    s.on('data', (d) => { text += d.toString('latin1'); });
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(timer); resolve({ text, closed: true }); });
  });
}

function envelopeOf(text: string): any {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
}

describe('HTTP API edge', { timeout: 120_000 }, () => {
  let relay: RelayMQ;
  const logs: any[] = [];
  before(async () => {
    const sink = new Writable({ write(chunk, _e, cb) { logs.push(JSON.parse(chunk.toString())); cb(); } });
    relay = await startTestRelay({
      httpApi: { http_bearer_token: 's3cret', max_connections: 5, http_headers_timeout: '1s', http_request_timeout: '2s' },
      log: pino({ level: 'info' }, sink),
    });
  });
  after(() => relay.close());
  const port = () => relay.ports.http!;
  const auth = { authorization: 'Bearer s3cret' };

  test('without the token everything is 401 — unknown path, wrong method, oversize or malformed body — and the body is not read', async () => {
    for (const [method, path] of [['GET', '/api/v2/nope'], ['PATCH', '/api/v2/brokers'], ['GET', '/elsewhere'], ['GET', '/api/v2/brokers']]) {
      const r = await http(relay, method, path);
      assert.deepEqual([r.status, r.json?.code, r.json?.msg], [401, 401, 'missing or invalid bearer token'], `${method} ${path}`);
    }
    const r = await http(relay, 'POST', '/api/v2/mqtt/publish', { raw: '{"topic":', headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 401);
    // A 1 GiB upload announced but never sent: answered at once, connection closed.
    const big = await rawHttp(port(), 'POST /api/v2/mqtt/publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{');
    assert.match(big.text, /^HTTP\/1.1 401/);
    assert.equal(big.closed, true);
    assert.equal((await http(relay, 'GET', '/api/v2/brokers', { headers: auth })).status, 200);
    assert.equal((await http(relay, 'GET', '/api/v2/brokers', { headers: { authorization: 'Bearer wrong' } })).status, 401);
  });

  test('malformed requests get a 400 envelope and Connection: close; oversize headers get 431', async () => {
    const ctrl = await rawHttp(port(), 'GET /api/v2/brokers HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n');
    assert.match(ctrl.text, /^HTTP\/1.1 400/);
    assert.match(ctrl.text, /Connection: close/i);
    assert.equal(envelopeOf(ctrl.text).code, 400);
    assert.equal(ctrl.closed, true);
    const garbage = await rawHttp(port(), 'HELLO\r\n\r\n');
    assert.equal(envelopeOf(garbage.text).code, 400);
    const huge = await rawHttp(port(), `GET /api/v2/brokers HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(huge.text, /^HTTP\/1.1 431/);
    assert.deepEqual(envelopeOf(huge.text), { code: 431, msg: 'request headers exceed 16384 bytes', data: null });
  });

  test('path parameters are decoded exactly once; a malformed escape is a 400', async () => {
    const c = await connectClient(relay, { clientId: 'pct%41x' });
    const r = await http(relay, 'GET', '/api/v2/clients/pct%2541x', { headers: auth });
    assert.deepEqual([r.status, r.json.data.clientid], [200, 'pct%41x']);
    const bad = await http(relay, 'GET', '/api/v2/clients/%E0%A4%A', { headers: auth });
    assert.deepEqual([bad.status, bad.json.msg], [400, "path parameter 'clientid' has a malformed percent-escape"]);
    assert.equal((await http(relay, 'GET', '/api/v2/brokers/%', { headers: auth })).status, 400);
    await c.endAsync();
  });

  test('strict parameters: 0x2, 1e0, 1.0, yes and repeated parameters are 400, not coerced', async () => {
    for (const q of ['_limit=0x2', '_limit=1e0', '_limit=1.0', '_limit=+1', '_limit=1&_limit=2', 'connected=yes', 'connected=1']) {
      const r = await http(relay, 'GET', `/api/v2/clients?${q}`, { headers: auth });
      assert.deepEqual([r.status, r.json.code], [400, 400], q);
      assert.match(r.json.msg, /query parameter '(_limit|connected)'/);
    }
    assert.equal((await http(relay, 'GET', '/api/v2/brokers/0x1', { headers: auth })).status, 400);
    assert.equal((await http(relay, 'GET', '/api/v2/clients?_limit=2&connected=true', { headers: auth })).status, 200);
  });

  test('slow requests: headers not complete in time → 408, body not complete in time → 408; aborted uploads are not errors', async () => {
    const slowHeaders = await rawHttp(port(), 'GET /api/v2/brokers HTTP/1.1\r\nHost: x\r\n', 5000);
    assert.match(slowHeaders.text, /^HTTP\/1.1 408/);
    assert.equal(slowHeaders.closed, true);
    const slowBody = await rawHttp(port(), 'POST /api/v2/mqtt/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{', 6000);
    assert.equal(slowBody.closed, true, 'the connection does not outlive the request timeout');
    logs.length = 0;
    await new Promise<void>((resolve) => {
      const s: Socket = tcpConnect(port(), '127.0.0.1', () => {
        s.write('POST /api/v2/mqtt/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"topic":');
        setTimeout(() => { s.destroy(); resolve(); }, 100);
      });
      s.on('error', () => {});
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(logs.filter((l) => l.level >= 50), [], 'no error logged for an aborted upload');
  });

  test('max_connections: connections beyond the cap are refused and logged; the API and MQTT keep serving', async () => {
    const held: Socket[] = [];
    for (let i = 0; i < 5; i++) held.push(await new Promise<Socket>((r) => { const s = tcpConnect(port(), '127.0.0.1', () => r(s)); s.on('error', () => {}); }));
    const refused = await rawHttp(port(), 'GET /api/v2/brokers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\n\r\n', 3000);
    assert.equal(refused.text, '', 'refused without an answer');
    assert.equal(refused.closed, true);
    assert.ok(logs.some((l) => l.msg === 'connection limit reached: refusing new connections' && l.listener === 'http-api'));
    const mqttClient = await connectClient(relay, { clientId: 'still-works' });
    await mqttClient.endAsync();
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await http(relay, 'GET', '/api/v2/brokers', { headers: auth })).status, 200);
  });

  test('RELAYMQ_HTTP_BEARER_TOKEN, as the broker starts, takes the place of the file\'s token', async () => {
    process.env.RELAYMQ_HTTP_BEARER_TOKEN = 'from-env';
    const withEnv = await startTestRelay({ httpApi: { http_bearer_token: 's3cret' } }).finally(() => { delete process.env.RELAYMQ_HTTP_BEARER_TOKEN; });
    try {
      assert.equal((await http(withEnv, 'GET', '/api/v2/brokers', { headers: auth })).status, 401);
      assert.equal((await http(withEnv, 'GET', '/api/v2/brokers', { headers: { authorization: 'Bearer from-env' } })).status, 200);
    } finally {
      await withEnv.close();
    }
  });
});

test('without a token the API answers loopback clients only, and says how to set one', async () => {
  const relay = await startTestRelay();
  try {
    assert.equal((await http(relay, 'GET', '/api/v2/brokers')).status, 200, 'this machine (127.0.0.1) is answered');
  } finally {
    await relay.close();
  }
  // Other addresses cannot be reached from the tests (they talk to loopback only): the decision itself.
  for (const remote of ['10.0.0.5', '192.168.1.2', '::ffff:10.1.2.3', '2001:db8::1', undefined]) {
    const refusal = refuseAccess(undefined, undefined, remote);
    assert.equal(refusal?.status, 401, String(remote));
    assert.match(refusal!.message, /set http_bearer_token .*RELAYMQ_HTTP_BEARER_TOKEN/);
  }
  for (const remote of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(refuseAccess(undefined, undefined, remote), undefined, remote);
  assert.equal(refuseAccess('Bearer t', 't', '10.0.0.5'), undefined, 'with the token, any address');
});
