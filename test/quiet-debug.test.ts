// src/util/quiet-debug.ts: without DEBUG, the loggers mqtt-packet creates (a dozen calls per
// packet) are no-ops that no later `enable()` turns on; with DEBUG set at start they are debug's
// own. Each case runs in a fresh process, as the module cache it works on is per process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** Imports quiet-debug (or not), then reports mqtt-packet's parser logger after enabling every namespace. */
function parserLogger(env: NodeJS.ProcessEnv, quieten = true): { enabled: boolean; namespace: string } {
  const script = `
    ${quieten ? "await import('./src/util/quiet-debug.ts');" : ''}
    const { createRequire } = await import('node:module');
    const fromParser = createRequire(createRequire(process.cwd() + '/').resolve('mqtt-packet'));
    const createDebug = fromParser('debug');
    const log = createDebug('mqtt-packet:parser');
    createDebug.enable('*');
    console.log(JSON.stringify({ enabled: log.enabled, namespace: log.extend('x').namespace }));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env, timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

const withoutDebug = { ...process.env, DEBUG: '' };

test('without DEBUG, the loggers stay off even when a namespace is enabled later', () => {
  assert.deepEqual(parserLogger(withoutDebug), { enabled: false, namespace: 'mqtt-packet:parser:x' });
});

test('the same process without quiet-debug: enable() turns the logger on (the case above is not vacuous)', () => {
  assert.equal(parserLogger(withoutDebug, false).enabled, true);
});

test('with DEBUG set at start, the loggers are debug\'s own', () => {
  assert.equal(parserLogger({ ...process.env, DEBUG: 'mqtt-packet:parser' }).enabled, true);
});
