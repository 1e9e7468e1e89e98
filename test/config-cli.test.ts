// Configuration and the relaymq command as an operator runs it: defaults, one clear line for a
// bad file, --help/--version, and a clean exit on SIGTERM/SIGINT.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { loadConfig, ConfigError } from '../src/config/load.ts';
import { brokerConfigSchema } from '../src/config/schema.ts';
import { PLUGINS } from '../src/plugins/index.ts';
import { waitFor } from './helpers.ts';

function tempConfig(main: string, httpApi?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'relaymq-cfg-'));
  mkdirSync(join(dir, 'plugins'));
  writeFileSync(join(dir, 'relaymq.toml'), main);
  if (httpApi !== undefined) writeFileSync(join(dir, 'plugins', 'rmqtt-http-api.toml'), httpApi);
  return join(dir, 'relaymq.toml');
}

describe('config', () => {
  test('the config schema and every plugin\'s are valid JSON Schemas (checked here: start-up skips it)', () => {
    const ajv = new Ajv({ strict: false });
    for (const [name, schema] of [['broker', brokerConfigSchema], ...PLUGINS.map((p) => [p.name, p.configSchema])] as [string, object][]) {
      assert.equal(ajv.validateSchema(schema), true, `${name}: ${ajv.errorsText(ajv.errors)}`);
    }
    assert.equal(ajv.validateSchema({ type: 'object', properties: { a: { type: 'nonsense' } } }), false, 'an invalid schema is caught');
  });

  test('the shipped etc/ files hold the documented defaults', () => {
    const c = loadConfig('etc/relaymq.toml');
    assert.equal(c.broker.node.id, 1);
    assert.match(c.broker.node.name, /^1@/);
    assert.equal(c.broker.listener.tcp.addr, '0.0.0.0:1883');
    assert.equal(c.broker.listener.ws.addr, '0.0.0.0:8080');
    assert.equal(c.broker.listener.ws.path, '/mqtt');
    assert.deepEqual(c.broker.plugins.default_startups, ['rmqtt-acl', 'rmqtt-counter', 'rmqtt-http-api']);
  });

  test('an empty file means every default', () => {
    const c = loadConfig(tempConfig(''));
    assert.equal(c.broker.mqtt.max_inflight, 128);
    assert.equal(c.broker.mqtt.max_mqueue_len, 1000);
    assert.equal(c.broker.mqtt.session_expiry_interval, '2h');
  });

  const bad: [string, string, string | undefined, RegExp][] = [
    ['unknown key', '[node]\nidd = 2\n', undefined, /relaymq\.toml: unknown key 'node\.idd'/],
    ['wrong type', '[node]\nid = "one"\n', undefined, /relaymq\.toml: key 'node\.id' must be integer/],
    ['out of range', '[mqtt]\nmax_inflight = 0\n', undefined, /key 'mqtt\.max_inflight' must be >= 1/],
    ['bad duration', '[mqtt]\nsession_expiry_interval = "2 hours"\n', undefined, /key 'mqtt\.session_expiry_interval' must match pattern/],
    ['bad TOML', '[node\n', undefined, /relaymq\.toml: invalid TOML at line 1, column \d+/],
    ['port 99999', '[listener.tcp]\naddr = "127.0.0.1:99999"\n', undefined, /key 'listener\.tcp\.addr' must be "host:port" with a port from 0 to 65535/],
    ['TCP and WebSocket on one port', '[listener.tcp]\naddr = "127.0.0.1:18830"\n[listener.ws]\naddr = "0.0.0.0:18830"\n', undefined,
      /keys 'listener\.tcp\.addr' and 'listener\.ws\.addr' both use port 18830/],
  ];
  for (const [what, main, plugin, msg] of bad) {
    test(`${what} → one ConfigError naming file and key`, () => {
      assert.throws(() => loadConfig(tempConfig(main, plugin)), (e: unknown) => e instanceof ConfigError && msg.test(e.message) && !e.message.includes('\n'));
    });
  }
});

const CLI = ['--import', 'tsx', 'src/main.ts'];

describe('relaymq command', () => {
  test('the relaymq command (bin/relaymq.js) answers --version', () => {
    const r = spawnSync(process.execPath, ['bin/relaymq.js', '--version'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^relaymq\/\d+\.\d+\.\d+\n$/);
  });

  test('--help and --version', () => {
    const help = spawnSync(process.execPath, [...CLI, '--help'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: relaymq \[--config FILE\]/);
    const version = spawnSync(process.execPath, [...CLI, '--version'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(version.status, 0);
    assert.match(version.stdout, /^relaymq\/\d+\.\d+\.\d+\n$/);
  });

  for (const [what, plugin, msg] of [
    ['a bad plugin value', 'max_row_limit = 0\n', /rmqtt-http-api\.toml: key 'max_row_limit' must be >= 1/],
    ['an unknown plugin key', 'http_port = 1\n', /rmqtt-http-api\.toml: unknown key 'http_port'/],
  ] as const) {
    test(`${what} in a plugin started at boot stops startup with one line`, () => {
      const r = spawnSync(process.execPath, [...CLI, '--config', tempConfig('[listener.tcp]\naddr = "127.0.0.1:0"\n[listener.ws]\nenable = false\n[persistence]\ntype = "memory"\n', plugin)], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.match(r.stderr, msg);
    });
  }

  test('a bad config stops startup with exit 1 and one line on stderr', () => {
    const r = spawnSync(process.execPath, [...CLI, '--config', tempConfig('[listener.tcp]\naddr = "nowhere"\n')], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /^relaymq: .*relaymq\.toml: key 'listener\.tcp\.addr' must be "host:port"/);
  });

  test('a busy WebSocket port stops startup with one line naming file and key, not a stack', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as AddressInfo).port;
    try {
      const r = spawnSync(process.execPath, [...CLI, '--config', tempConfig(`[listener.tcp]\naddr = "127.0.0.1:0"\n[listener.ws]\naddr = "127.0.0.1:${port}"\n[persistence]\ntype = "memory"\n`)],
        { encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 1);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^relaymq: .*relaymq\\.toml: key 'listener\\.ws\\.addr': cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE`));
    } finally {
      busy.close();
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} closes the listeners and exits 0`, async () => {
      const cfg = tempConfig('[listener.tcp]\naddr = "127.0.0.1:0"\n[listener.ws]\naddr = "127.0.0.1:0"\n', 'http_laddr = "127.0.0.1:0"\n');
      const child = spawn(process.execPath, [...CLI, '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await waitFor(() => /HTTP API \d+/.test(out), 20_000, 'startup line');
      const port = Number(/HTTP API (\d+)/.exec(out)![1]);
      const res = await fetch(`http://127.0.0.1:${port}/api/v2/brokers`);
      assert.equal(res.status, 200);
      child.kill(signal);
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))]);
      assert.equal(code, 0);
    });
  }
});
