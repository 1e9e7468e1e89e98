// What the plugins do to the broker, observed with real MQTT clients and real local HTTP
// servers: ACL rules, HTTP authentication, web hooks and $SYS topics.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { startTestRelay, http, getData, connectClient, collect, waitFor, pluginFile } from './helpers.ts';
import type { RelayMQ } from '../src/app.ts';

/** A real HTTP server on 127.0.0.1 whose answers the test decides; records what it gets. */
async function fakeService(answer: (req: IncomingMessage, body: string) => { status: number; body?: string; delayMs?: number }) {
  const seen: { url: string; body: string; method: string }[] = [];
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    seen.push({ url: req.url!, body, method: req.method! });
    const a = answer(req, body);
    if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
    if (!res.destroyed) res.writeHead(a.status).end(a.body ?? '');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describe('rmqtt-acl', () => {
  let relay: RelayMQ;
  before(async () => {
    relay = await startTestRelay({
      pluginFiles: {
        'rmqtt-acl': `rules = [
  ["deny", { clientid = "banned" }, "connect"],
  ["deny", { ipaddr = "10.0.0.0/8" }, "all"],
  ["allow", { user = "dashboard" }, "subscribe", ["$SYS/#"]],
  ["deny", "all", "subscribe", ["$SYS/#", { eq = "#" }]],
  ["allow", "all", "publish", ["users/%u/#", "clients/%c/#"]],
  ["deny", { user = "alice" }, "publish", ["#"]],
  ["allow", { ipaddr = "127.0.0.0/8" }, "all"],
]
no_match = "deny"
`,
      },
    });
  });
  after(() => relay.close());

  test('a connect rule refuses a client id', async () => {
    await assert.rejects(connectClient(relay, { clientId: 'banned', protocolVersion: 5 }), /Not authorized|Connection refused/);
    const c = await connectClient(relay, { clientId: 'welcome', protocolVersion: 5 });
    await c.endAsync();
  });

  test('publish rules with %u/%c placeholders; first match wins', async () => {
    const alice = await connectClient(relay, { clientId: 'a1', username: 'alice', protocolVersion: 5 });
    const watcher = await connectClient(relay, { clientId: 'w', username: 'dashboard', protocolVersion: 5 });
    const inbox = collect(watcher);
    await watcher.subscribeAsync('#', { qos: 1 }).catch(() => {});
    await watcher.subscribeAsync('users/#', { qos: 1 });
    await watcher.subscribeAsync('clients/#', { qos: 1 });
    await watcher.subscribeAsync('other/#', { qos: 1 });
    await alice.publishAsync('users/alice/x', 'ok-u', { qos: 1 });
    await alice.publishAsync('clients/a1/x', 'ok-c', { qos: 1 });
    await assert.rejects(alice.publishAsync('users/bob/x', 'no', { qos: 1 }), /Not authorized/); // rule 6 denies alice
    await assert.rejects(alice.publishAsync('other/x', 'no', { qos: 1 }), /Not authorized/);
    // A last allowed message: one publisher's messages arrive in order, so once it is here
    // anything the rules let through would be here too.
    await alice.publishAsync('users/alice/end', 'end', { qos: 1 });
    await waitFor(() => inbox.messages.some((m) => m.payload.toString() === 'end'));
    assert.deepEqual(inbox.messages.map((m) => m.payload.toString()).sort(), ['end', 'ok-c', 'ok-u']);
    await Promise.all([alice.endAsync(), watcher.endAsync()]);
  });

  test('$SYS read rights and the eq form: only dashboard reads $SYS; "#" itself is refused', async () => {
    const plain = await connectClient(relay, { clientId: 'p', username: 'someone', protocolVersion: 5 });
    // mqtt.js rejects a SUBACK with refusals; what the broker kept is what counts
    await assert.rejects(plain.subscribeAsync({ '$SYS/#': { qos: 0 }, '#': { qos: 0 }, 'a/#': { qos: 0 } }));
    const subs = (await getData(relay, '/api/v2/subscriptions/p')).map((s: any) => s.topic);
    assert.deepEqual(subs, ['a/#']);
    const dash = await connectClient(relay, { clientId: 'd', username: 'dashboard', protocolVersion: 5 });
    await dash.subscribeAsync('$SYS/#', { qos: 0 });
    assert.deepEqual((await getData(relay, '/api/v2/subscriptions/d')).map((s: any) => s.topic), ['$SYS/#']);
    await Promise.all([plain.endAsync(), dash.endAsync()]);
  });

  test('denials count in the metrics; attrs show the checks', async () => {
    const m = (await getData(relay, '/api/v2/metrics/1')).metrics;
    assert.ok(m['client.publish.auth.error'] >= 2);
    assert.ok(m['client.subscribe.auth.error'] >= 2);
    assert.ok(m['client.connack.auth.error'] >= 1);
    const attrs = (await getData(relay, '/api/v2/plugins/1/rmqtt-acl')).attrs;
    assert.ok(attrs.denied >= 5 && attrs.publish >= 4 && attrs.subscribe >= 4, JSON.stringify(attrs));
  });
});

describe('rmqtt-auth-http', () => {
  let relay: RelayMQ;
  let service: Awaited<ReturnType<typeof fakeService>>;
  const users: Record<string, { status: number; body?: string; delayMs?: number }> = {
    good: { status: 200, body: '{"result":"allow"}' },
    bad: { status: 200, body: '{"result":"deny"}' },
    shrug: { status: 200, body: 'ignore' },
    gone: { status: 403 },
    slow: { status: 200, body: 'allow', delayMs: 2000 },
    boss: { status: 200, body: '{"result":"allow","is_superuser":true}' },
  };
  before(async () => {
    service = await fakeService((_req, body) => {
      const p = new URLSearchParams(body);
      if (p.get('topic') !== null) return { status: 200, body: p.get('topic')!.startsWith('ok/') ? 'allow' : 'deny' };
      return users[p.get('username') ?? ''] ?? { status: 500 };
    });
    relay = await startTestRelay({
      broker: { plugins: { default_startups: ['rmqtt-counter', 'rmqtt-http-api', 'rmqtt-auth-http'] } },
      pluginFiles: {
        'rmqtt-auth-http': `timeout = "300ms"\ncache_ttl = "0"\non_error = "deny"\n[auth_req]\nurl = "${service.url}/auth"\nparams = { username = "%u", password = "%P", clientid = "%c", ipaddr = "%a" }\n` +
          `[acl_req]\nurl = "${service.url}/acl"\nparams = { username = "%u", topic = "%t", access = "%A" }\n`,
      },
    });
  });
  after(async () => { await relay.close(); await service.close(); });

  const tryConnect = (username: string) => connectClient(relay, { clientId: `c-${username}`, username, password: 'pw', protocolVersion: 5 })
    .then(async (c) => { await c.endAsync(); return 'allowed'; }, () => 'refused');

  test('allow, deny, ignore (falls through to the default allow), 4xx, timeout and service errors', async () => {
    assert.equal(await tryConnect('good'), 'allowed');
    assert.equal(await tryConnect('bad'), 'refused');
    assert.equal(await tryConnect('shrug'), 'allowed');
    assert.equal(await tryConnect('gone'), 'refused');
    const t0 = Date.now();
    assert.equal(await tryConnect('slow'), 'refused'); // on_error = deny
    assert.ok(Date.now() - t0 < 1500, 'the timeout bounds the wait');
    assert.equal(await tryConnect('unknown'), 'refused'); // HTTP 500 → on_error
    const auth = service.seen.find((s) => s.url === '/auth' && s.body.includes('username=good'))!;
    assert.match(auth.body, /password=pw/);
    assert.match(auth.body, /clientid=c-good/);
    assert.match(auth.body, /ipaddr=127\.0\.0\.1/);
  });

  test('acl_req authorizes publish and subscribe; a superuser skips it', async () => {
    const c = await connectClient(relay, { clientId: 'acl-good', username: 'good', password: 'pw', protocolVersion: 5 });
    await c.subscribeAsync('ok/#', { qos: 1 });
    await assert.rejects(c.subscribeAsync('nope/#', { qos: 1 }));
    await c.publishAsync('ok/1', 'x', { qos: 1 });
    await assert.rejects(c.publishAsync('nope/1', 'x', { qos: 1 }), /Not authorized/);
    const boss = await connectClient(relay, { clientId: 'acl-boss', username: 'boss', password: 'pw', protocolVersion: 5 });
    await boss.publishAsync('nope/1', 'x', { qos: 1 });
    await Promise.all([c.endAsync(), boss.endAsync()]);
  });

  test('reload with on_error = "ignore": an unreachable service no longer refuses', async () => {
    writeFileSync(pluginFile(relay, 'rmqtt-auth-http'), `timeout = "300ms"\ncache_ttl = "60s"\non_error = "ignore"\n[auth_req]\nurl = "http://127.0.0.1:9/auth"\n`);
    assert.equal((await http(relay, 'PUT', '/api/v2/plugins/1/rmqtt-auth-http/config/reload')).json.data, 'ok');
    assert.equal(await tryConnect('anyone'), 'allowed');
    assert.equal((await http(relay, 'PUT', '/api/v2/plugins/1/rmqtt-auth-http/unload')).json.data, true);
    assert.equal(await tryConnect('bad'), 'allowed', 'unloaded: no more checks');
  });
});

describe('rmqtt-web-hook', () => {
  let relay: RelayMQ;
  let receiver: Awaited<ReturnType<typeof fakeService>>;
  let failFirst = 2;
  before(async () => {
    receiver = await fakeService((req) => (req.url === '/flaky' && failFirst-- > 0 ? { status: 503 }
      : { status: 200, delayMs: req.url === '/slow' ? 100 : 0 }));
    relay = await startTestRelay({
      pluginFiles: {
        'rmqtt-web-hook': `urls = ["${receiver.url}/hook"]\nretries = 3\nretry_backoff = "20ms"\nrules = [
  { event = "client_connected" }, { event = "client_disconnected" }, { event = "session_created" }, { event = "session_subscribed" },
  { event = "message_publish", topics = ["hook/#"] }, { event = "message_delivered", topics = ["hook/#"] }, { event = "message_acked", topics = ["hook/#"] },
  { event = "session_terminated", urls = ["${receiver.url}/flaky"] },
]\n`,
      },
    });
    assert.equal((await http(relay, 'PUT', '/api/v2/plugins/1/rmqtt-web-hook/load')).json.data, 'ok');
  });
  after(async () => { await relay.close(); await receiver.close(); });

  test('delivers the events with the right JSON, filtered by topic, retrying failures', async () => {
    const c = await connectClient(relay, { clientId: 'hooked', username: 'u1', protocolVersion: 5 });
    await c.subscribeAsync('hook/#', { qos: 1 });
    await c.publishAsync('hook/1', 'hello', { qos: 1 });
    await c.publishAsync('other/1', 'not reported', { qos: 1 });
    await collect(c).next(0);
    await c.endAsync();
    await waitFor(() => receiver.seen.filter((s) => s.url === '/flaky').length === 3, 5000, 'retried session_terminated');
    await waitFor(() => receiver.seen.filter((s) => s.url === '/hook').length >= 7, 5000, 'hook events');
    const events = receiver.seen.filter((s) => s.url === '/hook').map((s) => JSON.parse(s.body));
    const actions = events.map((e) => e.action).sort();
    assert.deepEqual(actions, ['client_connected', 'client_disconnected', 'message_acked', 'message_delivered', 'message_publish', 'session_created', 'session_subscribed']);
    const pub = events.find((e) => e.action === 'message_publish');
    assert.deepEqual({ ...pub, time: undefined, ts: undefined }, {
      action: 'message_publish', node: 1, time: undefined, ts: undefined, routed: true, from_clientid: 'hooked', topic: 'hook/1', qos: 1, retain: false,
      source: 'custom', payload: Buffer.from('hello').toString('base64'), payload_encoding: 'base64',
    });
    const connected = events.find((e) => e.action === 'client_connected');
    assert.deepEqual([connected.clientid, connected.username, connected.ip, connected.proto_ver], ['hooked', 'u1', '127.0.0.1', 5]);
    const terminated = receiver.seen.filter((s) => s.url === '/flaky').map((s) => JSON.parse(s.body));
    assert.deepEqual(terminated.map((e) => [e.action, e.clientid, e.reason]), Array(3).fill(['session_terminated', 'hooked', 'client disconnected']));
    const attrs = (await getData(relay, '/api/v2/plugins/1/rmqtt-web-hook')).attrs;
    assert.equal(attrs.retried, 2);
    assert.equal(attrs.failed, 0);
  });

  test('a full queue drops its oldest events and counts them; the broker never waits', async () => {
    writeFileSync(pluginFile(relay, 'rmqtt-web-hook'), `urls = ["${receiver.url}/slow"]\nqueue_capacity = 3\nconcurrency = 1\nrules = [{ event = "message_publish" }]\n`);
    receiver.seen.length = 0;
    assert.equal((await http(relay, 'PUT', '/api/v2/plugins/1/rmqtt-web-hook/config/reload')).json.data, 'ok');
    const c = await connectClient(relay, { clientId: 'burst', protocolVersion: 4 });
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) await c.publishAsync('burst/x', String(i), { qos: 1 });
    assert.ok(Date.now() - t0 < 2000);
    await c.endAsync();
    await waitFor(async () => (await getData(relay, '/api/v2/plugins/1/rmqtt-web-hook')).attrs.queued === 0, 5000, 'queue drained');
    const attrs = (await getData(relay, '/api/v2/plugins/1/rmqtt-web-hook')).attrs;
    const sent = receiver.seen.length;
    assert.equal(attrs.dropped + sent, 10, JSON.stringify(attrs));
    assert.ok(attrs.dropped > 0);
    const payloads = receiver.seen.map((s) => Buffer.from(JSON.parse(s.body).payload, 'base64').toString());
    assert.equal(payloads.at(-1), '9', 'the newest event survives');
  });
});

describe('rmqtt-sys-topic', () => {
  let relay: RelayMQ;
  before(async () => {
    relay = await startTestRelay({ pluginFiles: { 'rmqtt-sys-topic': 'publish_interval = "200ms"\npublish_qos = 0\n' } });
  });
  after(() => relay.close());

  test('broker state and client events arrive on $SYS for a subscriber the ACL allows', async () => {
    assert.equal((await http(relay, 'PUT', '/api/v2/plugins/1/rmqtt-sys-topic/load')).json.data, 'ok');
    const watcher = await connectClient(relay, { clientId: 'sys-watch', protocolVersion: 5 });
    const inbox = collect(watcher);
    await watcher.subscribeAsync('$SYS/brokers/1/#', { qos: 0 }); // allowed from 127.0.0.1 by the default rules
    await waitFor(() => inbox.messages.some((m) => m.topic === '$SYS/brokers/1/version'), 3000, 'version (retained)');
    const version = inbox.messages.find((m) => m.topic === '$SYS/brokers/1/version')!;
    assert.match(version.payload.toString(), /^relaymq\//);
    await waitFor(() => inbox.messages.some((m) => m.topic === '$SYS/brokers/1/stats'), 3000, 'stats');
    const stats = JSON.parse(inbox.messages.find((m) => m.topic === '$SYS/brokers/1/stats')!.payload.toString());
    assert.ok(stats['connections.count'] >= 1);
    const c = await connectClient(relay, { clientId: 'visitor', username: 'v', protocolVersion: 4 });
    await c.endAsync();
    await waitFor(() => inbox.messages.some((m) => m.topic === '$SYS/brokers/1/clients/visitor/disconnected'), 3000, 'disconnected event');
    const connected = JSON.parse(inbox.messages.find((m) => m.topic === '$SYS/brokers/1/clients/visitor/connected')!.payload.toString());
    assert.deepEqual([connected.clientid, connected.username, connected.ipaddress, connected.proto_ver], ['visitor', 'v', '127.0.0.1', 4]);
    const m = (await getData(relay, '/api/v2/metrics/1')).metrics;
    assert.ok(m['messages.publish.system'] >= 6 && m['messages.delivered.system'] >= 4);
    await watcher.endAsync();
  });
});
