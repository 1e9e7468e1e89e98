// The built broker, as `npm ci && npm start` runs it: `npm run build` compiles to dist/, and
// the compiled command starts, answers probes and serves MQTT (the smoke test CI runs against
// the built output). The other tests run the TypeScript sources through tsx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import mqtt from 'mqtt';
import { processConfig, newDataDir } from './process.ts';
import { waitFor } from './helpers.ts';

test('npm run build, then the compiled relaymq starts, is ready and serves MQTT', { timeout: 180_000 }, async () => {
  const build = spawnSync('npm', ['run', '-s', 'build'], { encoding: 'utf8', timeout: 150_000 });
  assert.equal(build.status, 0, build.stdout + build.stderr);
  const version = spawnSync(process.execPath, ['bin/relaymq.js', '--version'], { encoding: 'utf8', timeout: 20_000 });
  assert.match(version.stdout, /^relaymq\/\d+\.\d+\.\d+\n$/);

  const child = spawn(process.execPath, ['dist/src/main.js', '--config', processConfig(newDataDir())], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  try {
    await waitFor(() => /HTTP API \d+/.test(out), 30_000, 'the start line');
    const [, mqttPort, httpPort] = /MQTT tcp (\d+),.*HTTP API (\d+)/.exec(out)!;
    const ready = await fetch(`http://127.0.0.1:${httpPort}/api/v2/health/ready`);
    assert.equal(ready.status, 200);
    // The files the build must carry along: the spec, and the docs renderer from node_modules.
    assert.equal((await fetch(`http://127.0.0.1:${httpPort}/api/v2/openapi.yaml`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${httpPort}/api/v2/docs/redoc.standalone.js`)).status, 200);
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 0 });
    const got = new Promise<string>((r) => c.on('message', (_t, p) => r(String(p))));
    await c.subscribeAsync('smoke/t');
    await c.publishAsync('smoke/t', 'built');
    assert.equal(await got, 'built');
    await c.endAsync();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});
