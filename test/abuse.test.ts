// The abuse suite: the attacks of the hardening issue replayed against relaymq as a real process
// with its shipped defaults (plus an ACL denying `secret/#`). After each, and at the end: the
// process is alive, its RSS stayed under the bound, MQTT and the API still answer, the victim
// client is still connected, and no denied message was delivered. Every loop is bounded.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { connect as tcpConnect, type Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import WebSocket from 'ws';
import { spawnRelay, processConfig, newDataDir, type RelayProcess } from './process.ts';
import { waitFor } from './helpers.ts';

/** The bound on the broker's resident memory during and after the attacks. */
const RSS_BOUND_MB = 400;

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function openSockets(port: number, n: number): Promise<Socket[]> {
  return Promise.all(Array.from({ length: n }, () => new Promise<Socket>((resolve) => {
    const s = tcpConnect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => resolve(s));
    s.resume();
  })));
}

describe('abuse suite', { timeout: 240_000 }, () => {
  let p: RelayProcess;
  let victim: MqttClient;
  let reader: MqttClient;
  const delivered: string[] = [];
  let peakRss = 0;
  let sampler: NodeJS.Timeout;

  before(async () => {
    const config = processConfig(newDataDir());
    writeFileSync(join(dirname(config), 'plugins', 'rmqtt-acl.toml'),
      'rules = [\n  ["deny", "all", "subscribe", ["secret/#"]],\n  ["allow", "all"],\n]\n');
    p = await spawnRelay(config);
    sampler = setInterval(() => { try { peakRss = Math.max(peakRss, rssMb(p.child.pid!)); } catch { /* exited */ } }, 100);
    victim = await mqtt.connectAsync(`mqtt://127.0.0.1:${p.ports.mqtt}`, { clientId: 'victim', reconnectPeriod: 0 });
    reader = await mqtt.connectAsync(`mqtt://127.0.0.1:${p.ports.mqtt}`, { clientId: 'reader', reconnectPeriod: 0, protocolVersion: 5 });
    reader.on('message', (topic) => delivered.push(topic));
    await reader.subscribeAsync(['+/#', '+/x'], { qos: 1 });
  });

  after(async () => {
    clearInterval(sampler);
    victim?.end(true);
    reader?.end(true);
    p.child.kill('SIGTERM');
    await p.exited;
  });

  /** What must hold after every attack. */
  async function stillFine(what: string): Promise<void> {
    assert.equal(p.child.exitCode, null, `${what}: the process is alive`);
    assert.ok(peakRss < RSS_BOUND_MB, `${what}: RSS peaked at ${peakRss.toFixed(0)} MB (bound ${RSS_BOUND_MB} MB)`);
    const api = await fetch(`http://127.0.0.1:${p.ports.http}/api/v2/brokers`);
    assert.equal(api.status, 200, `${what}: the API answers`);
    const probe = await mqtt.connectAsync(`mqtt://127.0.0.1:${p.ports.mqtt}`, { clientId: `probe-${Math.random()}`, reconnectPeriod: 0, connectTimeout: 5000 });
    await probe.subscribeAsync('probe/t', { qos: 1 });
    const got = new Promise((r) => probe.once('message', r));
    await probe.publishAsync('probe/t', 'ok', { qos: 1 });
    await got;
    await probe.endAsync();
    assert.equal(victim.connected, true, `${what}: the victim is still connected`);
    assert.deepEqual(delivered.filter((t) => t.startsWith('secret')), [], `${what}: no denied message delivered`);
  }

  test('CONNECTs announcing 256 MiB, trickled on 8 sockets: refused after their header, memory untouched', async () => {
    const socks = await openSockets(p.ports.mqtt, 8);
    for (const s of socks) s.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    const chunk = Buffer.alloc(64 * 1024, 1);
    for (let i = 0; i < 40; i++) {
      for (const s of socks) if (!s.destroyed) s.write(chunk);
      await sleep(25);
    }
    await waitFor(() => socks.every((s) => s.destroyed || s.readableEnded), 5000, 'all closed by the broker');
    for (const s of socks) s.destroy();
    await stillFine('oversize CONNECT');
  });

  test('a 10 MiB WebSocket frame: the connection is closed', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${p.ports.ws}/mqtt`, 'mqtt');
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.on('error', () => {});
    ws.send(Buffer.alloc(10 * 1024 * 1024, 1));
    assert.equal(await closed, 1009, 'message too big');
    await stillFine('WebSocket frame');
  });

  test('SUBSCRIBEs with 20,000 filters from 4 clients: refused, quickly, memory bounded', async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({ topic: `f/${i}`, qos: 1 as const }));
    await Promise.all(Array.from({ length: 4 }, async (_, n) => {
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${p.ports.mqtt}`, { clientId: `many-${n}`, clean: false, reconnectPeriod: 0 });
      const granted = await c.subscribeAsync(many.map((m) => m.topic), { qos: 1 }).catch((e: Error) => e);
      assert.ok(granted instanceof Error || granted.every((g) => g.qos === 128));
      await c.endAsync();
    }));
    await stillFine('huge SUBSCRIBE');
  });

  test('a takeover storm on one client id, 2 s: afterwards the counts are the truth', async () => {
    let stop = false;
    const racer = async () => {
      for (let i = 0; i < 1000 && !stop; i++) {
        const [s] = await openSockets(p.ports.mqtt, 1);
        s.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'stormy', clean: true, keepalive: 60 } as never));
        await sleep(Math.random() * 10);
        s.destroy();
      }
    };
    const racers = Array.from({ length: 40 }, racer);
    await sleep(2000);
    stop = true;
    await Promise.all(racers);
    await waitFor(async () => (await p.api('/stats/1')).data.stats['connections.count'] === 2, 5000, 'victim and reader only');
    assert.equal((await p.api('/clients/stormy/online')).data, false);
    await stillFine('takeover storm');
  });

  test('forged $SYS and wildcard reads of denied topics: nobody is kicked, nothing denied is read', async () => {
    const attacker = await mqtt.connectAsync(`mqtt://127.0.0.1:${p.ports.mqtt}`, { clientId: 'attacker', reconnectPeriod: 0, protocolVersion: 5 });
    const brokerId = (await p.api('/brokers/1')).data.node_name;
    await attacker.publishAsync(`$SYS/${brokerId}/new/clients`, 'victim', { qos: 1 }).catch(() => {});
    await attacker.publishAsync('secret/x', 'classified', { qos: 1 });
    await attacker.publishAsync('secret/y', 'classified', { qos: 1, retain: true });
    await attacker.publishAsync('open/x', 'public', { qos: 1 });
    await waitFor(() => delivered.includes('open/x'), 3000, 'the allowed message');
    await sleep(200);
    await attacker.endAsync();
    await stillFine('forgery and wildcard reads');
  });

  test('malformed UTF-8 topics and a 10 MiB PUBLISH: those connections are closed, nothing is delivered', async () => {
    for (const packet of [
      Buffer.from([0x30, 0x06, 0x00, 0x03, 0x61, 0xc3, 0x28, 0x70]),
      Buffer.concat([Buffer.from([0x30, 0x80, 0x80, 0x80, 0x05]), Buffer.alloc(1024)]),
    ]) {
      const [s] = await openSockets(p.ports.mqtt, 1);
      s.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: `bad-${Math.random()}`, clean: true, keepalive: 60 } as never));
      await sleep(50);
      s.write(packet);
      await waitFor(() => s.destroyed || s.readableEnded, 3000, 'closed');
      s.destroy();
    }
    await stillFine('malformed packets');
  });

  test('2,000 half-open HTTP connections and 100 slow-header requests: the API and MQTT keep serving', async () => {
    const idle = await openSockets(p.ports.http, 2000);
    const slow = await openSockets(p.ports.http, 100);
    for (const s of slow) s.write('GET /api/v2/brokers HTTP/1.1\r\nHost: x\r\n');
    const mqttClient = await mqtt.connectAsync(`mqtt://127.0.0.1:${p.ports.mqtt}`, { clientId: 'during-flood', reconnectPeriod: 0 });
    await mqttClient.endAsync();
    for (const s of [...idle, ...slow]) s.destroy();
    await sleep(200);
    await stillFine('HTTP connection flood');
  });
});
