// The plugin endpoints over the real plugins: listing, config (secrets redacted), load,
// unload, reload with validation, immutability, 404s; and the HTTP API's own live reload.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startTestRelay, http, getData, connectClient, pluginFile } from './helpers.ts';
import type { RelayMQ } from '../src/app.ts';

const ALL = ['rmqtt-acl', 'rmqtt-auth-http', 'rmqtt-counter', 'rmqtt-http-api', 'rmqtt-sys-topic', 'rmqtt-web-hook', 'relaymq-auth-scram'];

describe('plugin endpoints', () => {
  let relay: RelayMQ;
  before(async () => {
    relay = await startTestRelay({
      pluginFiles: {
        'rmqtt-http-api': 'max_row_limit = 50\nhttp_laddr = "127.0.0.1:0"\nhttp_bearer_token = "s3cret"\n',
        'rmqtt-web-hook': 'urls = ["http://127.0.0.1:9/hook"]\nrules = [{ event = "client_connected" }]\n',
        'rmqtt-acl': 'rules = [["allow", "all"]]\n',
      },
    });
  });
  after(() => relay.close());
  const auth = { authorization: 'Bearer s3cret' };
  const get = async (p: string) => (await http(relay, 'GET', p, { headers: auth })).json;
  const put = async (p: string) => (await http(relay, 'PUT', p, { headers: auth })).json;

  test('every known plugin is listed, loaded or not, as in the seed', async () => {
    const { data } = await get('/api/v2/plugins');
    assert.equal(data.length, 1);
    assert.equal(data[0].node, 1);
    assert.deepEqual(data[0].plugins.map((p: any) => p.name), ALL);
    const byName = Object.fromEntries(data[0].plugins.map((p: any) => [p.name, p]));
    assert.deepEqual(byName['rmqtt-web-hook'], { name: 'rmqtt-web-hook', active: false, inited: false, immutable: false, version: null, descr: null, attrs: null });
    assert.equal(byName['rmqtt-acl'].immutable, true);
    assert.equal(byName['rmqtt-acl'].active, true);
    assert.match(byName['rmqtt-counter'].version, /^\d+\.\d+\.\d+$/);
    assert.deepEqual((await get('/api/v2/plugins/1')).data, data[0].plugins);
    assert.deepEqual((await get('/api/v2/plugins/1/rmqtt-counter')).data, byName['rmqtt-counter']);
  });

  test('config: defaults filled in, secrets redacted', async () => {
    const { data } = await get('/api/v2/plugins/1/rmqtt-http-api/config');
    assert.deepEqual(data, { workers: 1, max_row_limit: 50, http_laddr: '127.0.0.1:0', http_request_log: false, http_bearer_token: '******', message_expiry_interval: '5m', max_connections: 256, http_headers_timeout: '10s', http_request_timeout: '30s', health_requires_token: false, docs_requires_token: false });
    const acl = (await get('/api/v2/plugins/1/rmqtt-acl/config')).data;
    assert.deepEqual(acl, { rules: [['allow', 'all']], no_match: 'allow' });
    // a plugin never loaded reports the config its file would give
    assert.equal((await get('/api/v2/plugins/1/rmqtt-web-hook/config')).data.concurrency, 8);
  });

  test('load is idempotent; unload is true once, then false', async () => {
    assert.deepEqual(await put('/api/v2/plugins/1/rmqtt-web-hook/load'), { code: 0, msg: '', data: 'ok' });
    assert.deepEqual(await put('/api/v2/plugins/1/rmqtt-web-hook/load'), { code: 0, msg: '', data: 'ok' });
    const info = (await get('/api/v2/plugins/1/rmqtt-web-hook')).data;
    assert.deepEqual([info.active, info.inited, info.version !== null], [true, true, true]);
    assert.equal(typeof info.attrs.dropped, 'number');
    assert.equal((await put('/api/v2/plugins/1/rmqtt-web-hook/unload')).data, true);
    assert.equal((await put('/api/v2/plugins/1/rmqtt-web-hook/unload')).data, false);
    const after = (await get('/api/v2/plugins/1/rmqtt-web-hook')).data;
    assert.deepEqual([after.active, after.inited, after.attrs], [false, true, null]);
  });

  test('an immutable plugin refuses unload (false) and reload (400) but reports its config', async () => {
    assert.equal((await put('/api/v2/plugins/1/rmqtt-acl/unload')).data, false);
    const r = await put('/api/v2/plugins/1/rmqtt-acl/config/reload');
    assert.deepEqual(r, { code: 400, msg: "plugin 'rmqtt-acl' is immutable: its config cannot be reloaded", data: null });
    assert.equal((await get('/api/v2/plugins/1/rmqtt-acl')).data.active, true);
  });

  test('the HTTP API cannot unload itself: false, and it keeps serving', async () => {
    assert.equal((await put('/api/v2/plugins/1/rmqtt-http-api/unload')).data, false);
    assert.equal((await get('/api/v2/plugins/1/rmqtt-http-api')).data.active, true);
  });

  test('reload applies max_row_limit, the bearer token and the listener address live', async () => {
    for (let i = 0; i < 3; i++) await connectClient(relay, { clientId: `rl-${i}` });
    assert.equal((await get('/api/v2/clients')).data.length, 3);
    writeFileSync(pluginFile(relay, 'rmqtt-http-api'), 'max_row_limit = 2\nhttp_laddr = "127.0.0.1:0"\nhttp_bearer_token = "n3w"\n');
    const oldPort = relay.ports.http;
    assert.deepEqual(await put('/api/v2/plugins/1/rmqtt-http-api/config/reload'), { code: 0, msg: '', data: 'ok' });
    // http_laddr "127.0.0.1:0" is unchanged text: the listener stays
    assert.equal(relay.ports.http, oldPort);
    assert.equal((await http(relay, 'GET', '/api/v2/clients', { headers: auth })).status, 401);
    const r = await http(relay, 'GET', '/api/v2/clients', { headers: { authorization: 'Bearer n3w' } });
    assert.equal(r.json.data.length, 2);

    writeFileSync(pluginFile(relay, 'rmqtt-http-api'), 'http_laddr = "localhost:0"\nhttp_bearer_token = "n3w"\n');
    const moved = await http(relay, 'PUT', '/api/v2/plugins/1/rmqtt-http-api/config/reload', { headers: { authorization: 'Bearer n3w' } });
    assert.equal(moved.json.data, 'ok');
    assert.notEqual(relay.ports.http, oldPort, 'rebound on a new port');
    const again = await http(relay, 'GET', '/api/v2/clients', { headers: { authorization: 'Bearer n3w' } });
    assert.equal(again.json.data.length, 3, 'max_row_limit back to its default');
  });

  test('an invalid file → 400 naming the key and problem; the old config stays', async () => {
    writeFileSync(pluginFile(relay, 'rmqtt-http-api'), 'http_laddr = "localhost:0"\nhttp_bearer_token = "n3w"\nmax_row_limit = -5\n');
    const r = await http(relay, 'PUT', '/api/v2/plugins/1/rmqtt-http-api/config/reload', { headers: { authorization: 'Bearer n3w' } });
    assert.equal(r.status, 400);
    assert.match(r.json.msg, /rmqtt-http-api\.toml: key 'max_row_limit' must be >= 1/);
    assert.equal((await http(relay, 'GET', '/api/v2/plugins/1/rmqtt-http-api/config', { headers: { authorization: 'Bearer n3w' } })).json.data.max_row_limit, 10000);
    writeFileSync(pluginFile(relay, 'rmqtt-web-hook'), 'concurency = 3\n');
    const load = await http(relay, 'PUT', '/api/v2/plugins/1/rmqtt-web-hook/load', { headers: { authorization: 'Bearer n3w' } });
    assert.equal(load.status, 400);
    assert.match(load.json.msg, /rmqtt-web-hook\.toml: unknown key 'concurency'/);
  });

  test('unknown node or plugin → 404 naming it', async () => {
    const h = { headers: { authorization: 'Bearer n3w' } };
    assert.deepEqual((await http(relay, 'GET', '/api/v2/plugins/2', h)).json, { code: 404, msg: "node '2' not found", data: null });
    for (const p of ['/api/v2/plugins/1/nope', '/api/v2/plugins/1/nope/config']) {
      assert.deepEqual((await http(relay, 'GET', p, h)).json, { code: 404, msg: "plugin 'nope' not found", data: null });
    }
    for (const op of ['load', 'unload', 'config/reload']) {
      assert.equal((await http(relay, 'PUT', `/api/v2/plugins/1/nope/${op}`, h)).status, 404);
      assert.equal((await http(relay, 'PUT', `/api/v2/plugins/7/rmqtt-acl/${op}`, h)).status, 404);
    }
  });
});

describe('rmqtt-counter', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay(); });
  after(() => relay.close());

  test('unloading it stops counting; loading it resumes from where it was', async () => {
    const connects = async () => (await getData(relay, '/api/v2/metrics/1')).metrics['client.connect'];
    await (await connectClient(relay, { clientId: 'c1' })).endAsync();
    assert.equal(await connects(), 1);
    assert.equal((await http(relay, 'PUT', '/api/v2/plugins/1/rmqtt-counter/unload')).json.data, true);
    await (await connectClient(relay, { clientId: 'c2' })).endAsync();
    assert.equal(await connects(), 1);
    assert.equal((await http(relay, 'PUT', '/api/v2/plugins/1/rmqtt-counter/load')).json.data, 'ok');
    await (await connectClient(relay, { clientId: 'c3' })).endAsync();
    assert.equal(await connects(), 2);
  });
});
