// The contract as SDK consumers use it, with two generators and the README's commands and flags:
// openapi-typescript types + openapi-fetch (test/sdk/client.ts) and @hey-api/openapi-ts with its
// fetch client (test/sdk/hey-client.ts). Each program calls every operation; each is compiled
// with `tsc --strict` (typed results need no casts: `data` is never optional) and run against a
// live broker, and both must read the same answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { specDocument } from '../src/api/spec.ts';
import { startTestRelay, connectClient } from './helpers.ts';

const node = (...args: string[]) => execFileSync(process.execPath, args, { stdio: 'pipe' });

function compileStrict(file: string): void {
  node('node_modules/typescript/bin/tsc', '--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--target', 'es2022', '--skipLibCheck', file);
}

/** The operations of the spec, with their path and method. */
function operations(): { id: string; path: string; method: string }[] {
  return Object.entries(specDocument().paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ id: op.operationId, path, method })));
}

const camel = (id: string) => id.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

test('clients generated from the spec (openapi-fetch, @hey-api/openapi-ts) compile strictly and call every operation', { timeout: 180_000 }, async () => {
  node('node_modules/openapi-typescript/bin/cli.js', 'spec/openapi.yaml', '--default-non-nullable', 'false', '-o', 'test/sdk/api.d.ts');
  rmSync('test/sdk/hey', { recursive: true, force: true });
  node('node_modules/@hey-api/openapi-ts/bin/run.js', '-i', './spec/openapi.yaml', '-o', 'test/sdk/hey', '-c', '@hey-api/client-fetch', '--no-log-file', '-s');
  compileStrict('test/sdk/client.ts');
  compileStrict('test/sdk/hey-client.ts');

  const fetchSource = readFileSync('test/sdk/client.ts', 'utf8');
  const heySource = readFileSync('test/sdk/hey-client.ts', 'utf8');
  for (const { id, path, method } of operations()) {
    const called = fetchSource.includes(`client.${method.toUpperCase()}('${path}'`) || (path.startsWith('/metrics/prometheus') && fetchSource.includes(`'${path}'`));
    assert.ok(called, `openapi-fetch: ${id} is called`);
    assert.ok(heySource.includes(`api.${camel(id)}(`), `hey-api: ${id} is called`);
  }

  for (const program of ['test/sdk/client.ts', 'test/sdk/hey-client.ts']) {
    const relay = await startTestRelay();
    const mqtt = await connectClient(relay, { clientId: 'sdk-client', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 60 } });
    try {
      // Asynchronously: the broker answering it runs in this process.
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', program, `http://127.0.0.1:${relay.ports.http}/api/v2`], { encoding: 'utf8', timeout: 60_000 });
      const out = JSON.parse(stdout);
      assert.equal(out.endpoints, operations().length, program);
      assert.match(out.openapi, /^3\.1\./);
      assert.equal(out.yaml, 'openapi: 3.1');
      assert.deepEqual([out.docs, out.docsScript], [true, true]);
      assert.deepEqual([out.alive, out.ready, out.broker, out.node], ['alive', 'ready', true, 'Running']);
      assert.deepEqual(out.nodes, ['tcp', 'ws']);
      assert.deepEqual(out.clients, ['sdk-client']);
      assert.deepEqual(out.client, { proto_ver: 5, inflight: 0 });
      assert.equal(out.online, true);
      assert.deepEqual(out.subscribe, { 'sdk/a': true, 'sdk/b': true });
      assert.deepEqual(out.subscriptions, ['sdk/a', 'sdk/b']);
      assert.equal(out.clientSubscriptions, 2);
      assert.deepEqual(out.routes, ['sdk/a', 'sdk/b']);
      assert.equal(out.route, 1);
      assert.equal(out.unsubscribe, true);
      assert.deepEqual([out.load, out.unload], ['ok', true]);
      assert.equal(out.plugin, 'rmqtt-web-hook');
      assert.equal(out.stats, 1);
      assert.equal(out.statsNode, 1);
      assert.equal(out['/metrics/prometheus'], true);
      assert.equal(out['/metrics/prometheus/sum'], true);
      assert.equal(out.prometheusNode, true);
      assert.deepEqual(out.retains, ['sdk/r']);
      assert.deepEqual([out.retain, out.deleteRetain, out.deleteRetainByQuery], ['kept', 'ok', 0]);
      assert.deepEqual([out.ban, out.banned, out.unban, out.unbanAgain], [true, ['sdk/banned'], 'ok', 404]);
      assert.deepEqual([out.mqueue, out.inflightList, out.events, out.deleteClients], [0, 0, true, 0]);
      assert.equal(out.kick, 'string');
    } finally {
      await mqtt.endAsync(true);
      await relay.close();
    }
  }
});
