// The contract as an SDK consumer uses it: types generated from spec/openapi.yaml with
// openapi-typescript (the README's command and flags), a client on openapi-fetch calling every
// operation (test/sdk/client.ts), compiled with `tsc --strict` and run against a live broker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { specDocument } from '../src/api/spec.ts';
import { startTestRelay, connectClient } from './helpers.ts';

test('a client generated from the spec compiles strictly and calls every operation', { timeout: 120_000 }, async () => {
  execFileSync(process.execPath, ['node_modules/openapi-typescript/bin/cli.js', 'spec/openapi.yaml', '--default-non-nullable', 'false', '-o', 'test/sdk/api.d.ts'], { stdio: 'pipe' });
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--target', 'es2022', '--skipLibCheck', 'test/sdk/client.ts'], { stdio: 'pipe' });

  const source = (await import('node:fs')).readFileSync('test/sdk/client.ts', 'utf8');
  for (const [path, item] of Object.entries(specDocument().paths)) {
    for (const method of Object.keys(item)) {
      const call = `client.${method.toUpperCase()}('${path}'`;
      assert.ok(source.includes(call) || (path.startsWith('/metrics/prometheus') && source.includes(`'${path}'`)), `${item[method].operationId} is called`);
    }
  }

  const relay = await startTestRelay();
  const mqtt = await connectClient(relay, { clientId: 'sdk-client', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 60 } });
  try {
    // Asynchronously: the broker answering it runs in this process.
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/sdk/client.ts', `http://127.0.0.1:${relay.ports.http}/api/v2`], { encoding: 'utf8', timeout: 60_000 });
    const out = JSON.parse(stdout);
    assert.equal(out.endpoints, Object.values(specDocument().paths).flatMap((i) => Object.keys(i)).length);
    assert.match(out.openapi, /^3\.1\./);
    assert.equal(out.yaml, 'openapi: 3.1');
    assert.deepEqual([out.alive, out.ready, out.broker, out.node], ['alive', 'ready', true, 'Running']);
    assert.deepEqual(out.nodes, ['tcp', 'ws']);
    assert.deepEqual(out.client, { proto_ver: 5, inflight: 0 });
    assert.deepEqual(out.subscribe, { 'sdk/a': true, 'sdk/b': true });
    assert.deepEqual(out.subscriptions, ['sdk/a', 'sdk/b']);
    assert.equal(out.unsubscribe, true);
    assert.deepEqual([out.load, out.unload], ['ok', true]);
    assert.equal(out.stats, 1);
    assert.equal(out['/metrics/prometheus'], true);
    assert.equal(out.kick, 'string');
  } finally {
    await mqtt.endAsync(true);
    await relay.close();
  }
});
