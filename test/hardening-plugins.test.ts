// The plugins that talk to other services, when those services misbehave: the web hook's queue
// stays inside its byte bound (retries included) while its endpoint is down; the auth service's
// answers are cached in a bounded LRU that never keeps an error fallback, and its redirects are
// not followed.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { startTestRelay, getData, connectClient, http } from './helpers.ts';

async function service(handler: (url: string, body: string) => { status: number; body?: string; headers?: Record<string, string> }) {
  const seen: { url: string; body: string }[] = [];
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    seen.push({ url: req.url!, body });
    const a = handler(req.url!, body);
    res.writeHead(a.status, a.headers).end(a.body ?? '');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describe('plugins under misbehaving services', { timeout: 120_000 }, () => {
  test('rmqtt-web-hook: with its endpoint down under load, the queue stays within queue_max_bytes, retries included', async () => {
    const relay = await startTestRelay({
      pluginFiles: { 'rmqtt-web-hook': 'urls = ["http://127.0.0.1:9/down"]\nqueue_max_bytes = 262144\nretries = 20\nretry_backoff = "10ms"\nconcurrency = 4\nrules = [{ event = "message_publish" }]\n' },
    });
    try {
      assert.equal((await http(relay, 'PUT', '/api/v2/plugins/1/rmqtt-web-hook/load')).json.data, 'ok');
      const c = await connectClient(relay, { clientId: 'loader' });
      const payload = Buffer.alloc(8 * 1024, 'p');
      let maxBytes = 0;
      for (let i = 0; i < 300; i++) {
        await c.publishAsync('load/x', payload, { qos: 1 });
        if (i % 50 === 0) maxBytes = Math.max(maxBytes, (await getData(relay, '/api/v2/plugins/1/rmqtt-web-hook')).attrs.queued_bytes);
      }
      const attrs = (await getData(relay, '/api/v2/plugins/1/rmqtt-web-hook')).attrs;
      assert.ok(Math.max(maxBytes, attrs.queued_bytes) <= 262144, `queued ${attrs.queued_bytes} bytes at most ${maxBytes}`);
      assert.ok(attrs.dropped > 200, `drops are counted (${attrs.dropped})`);
      await c.endAsync();
    } finally {
      await relay.close();
    }
  });

  test('rmqtt-auth-http: errors are never cached, the cache is bounded, redirects are not followed', async () => {
    let down = true;
    const elsewhere = await service(() => ({ status: 200, body: 'allow' }));
    const auth = await service((_url, body) => {
      const user = new URLSearchParams(body).get('username');
      if (user === 'flaky' && down) return { status: 503 };
      if (user === 'moved') return { status: 302, headers: { location: `${elsewhere.url}/auth` } };
      return { status: 200, body: 'allow' };
    });
    const relay = await startTestRelay({
      broker: { plugins: { default_startups: ['rmqtt-counter', 'rmqtt-http-api', 'rmqtt-auth-http'] } },
      pluginFiles: { 'rmqtt-auth-http': `timeout = "1s"\ncache_ttl = "60s"\ncache_max_entries = 3\non_error = "deny"\n[auth_req]\nurl = "${auth.url}/auth"\nparams = { username = "%u" }\n` },
    });
    const tryConnect = (username: string) => connectClient(relay, { clientId: `c-${username}-${Math.random()}`, username, protocolVersion: 5 })
      .then(async (c) => { await c.endAsync(); return 'allowed'; }, () => 'refused');
    try {
      assert.equal(await tryConnect('flaky'), 'refused', 'the service fails: on_error = deny');
      down = false;
      assert.equal(await tryConnect('flaky'), 'allowed', 'recovered: asked again at once, the error was not cached');
      assert.equal(await tryConnect('moved'), 'refused', 'a redirect is an error');
      assert.deepEqual(elsewhere.seen, [], 'and is not followed');
      for (const u of ['u1', 'u2', 'u3', 'u4', 'u5']) await tryConnect(u);
      const attrs = (await getData(relay, '/api/v2/plugins/1/rmqtt-auth-http')).attrs;
      assert.ok(attrs.cache_size <= 3, `cache bounded: ${attrs.cache_size}`);
      const asked = auth.seen.length;
      assert.equal(await tryConnect('u5'), 'allowed');
      assert.equal(auth.seen.length, asked, 'a recent answer comes from the cache');
    } finally {
      await relay.close();
      await auth.close();
      await elsewhere.close();
    }
  });
});
