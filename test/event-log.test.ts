// The log at `info`: one structured line per connect, disconnect (with reason), refusal, kick,
// plugin load/unload and the start banner — and nothing of that at the default `warn`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startTestRelay, connectClient, http, waitFor } from './helpers.ts';

function memoryLog(level: string) {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { for (const l of String(chunk).trim().split('\n')) lines.push(JSON.parse(l)); cb(); } });
  return { log: pino({ level }, stream), lines };
}

test('at info: start, connect, refusals, kick, disconnect and plugins each get one structured line', { timeout: 60_000 }, async () => {
  const { log, lines } = memoryLog('info');
  const relay = await startTestRelay({ log, pluginFiles: { 'rmqtt-acl': 'rules = [["deny", { user = "mallory" }, "connect"], ["deny", "all", "publish", ["forbidden/#"]], ["deny", "all", "subscribe", ["secret/#"]], ["allow", "all"]]\n' } });
  const find = (msg: string, pred: (l: Record<string, any>) => boolean = () => true) => lines.find((l) => l.msg === msg && pred(l));
  try {
    const started = find('relaymq started');
    assert.equal(started?.ports.tcp, relay.ports.mqtt);
    const c = await connectClient(relay, { clientId: 'logged', username: 'ann', protocolVersion: 5 });
    await waitFor(() => find('client connected', (l) => l.clientid === 'logged') !== undefined);
    assert.equal(find('client connected', (l) => l.clientid === 'logged')!.username, 'ann');
    await c.subscribeAsync('secret/x').catch(() => {}); // refused: SUBACK 0x87
    await c.publishAsync('forbidden/x', 'p', { qos: 1 }).catch(() => {}); // refused: PUBACK 0x87
    await waitFor(() => find('subscribe denied') !== undefined && find('publish denied') !== undefined);
    assert.equal(find('subscribe denied')!.filter, 'secret/x');
    assert.equal(find('publish denied')!.topic, 'forbidden/x');
    await http(relay, 'DELETE', '/api/v2/clients/logged');
    await waitFor(() => find('client kicked', (l) => l.clientid === 'logged') !== undefined);
    assert.equal(find('client disconnected', (l) => l.clientid === 'logged')?.reason, 'kicked');
    await assert.rejects(connectClient(relay, { clientId: 'intruder', username: 'mallory' }));
    await waitFor(() => find('authentication refused', (l) => l.clientid === 'intruder') !== undefined);
    const other = await connectClient(relay, { clientId: 'leaves' });
    await other.endAsync();
    await waitFor(() => find('client disconnected', (l) => l.clientid === 'leaves') !== undefined);
    assert.equal(find('client disconnected', (l) => l.clientid === 'leaves')!.reason, 'client disconnected');
    await http(relay, 'PUT', '/api/v2/plugins/1/rmqtt-web-hook/load');
    await http(relay, 'PUT', '/api/v2/plugins/1/rmqtt-web-hook/unload');
    assert.ok(find('plugin loaded', (l) => l.plugin === 'rmqtt-web-hook'));
    assert.ok(find('plugin unloaded', (l) => l.plugin === 'rmqtt-web-hook'));
  } finally {
    await relay.close();
  }
});

test('at the default warn level the same traffic writes nothing', { timeout: 60_000 }, async () => {
  const { log, lines } = memoryLog('warn');
  const relay = await startTestRelay({ log });
  try {
    const c = await connectClient(relay, { clientId: 'quiet' });
    await c.publishAsync('t', 'p');
    await c.endAsync();
    await http(relay, 'GET', '/api/v2/brokers');
  } finally {
    await relay.close();
  }
  assert.deepEqual(lines, []);
});
