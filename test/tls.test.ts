// TLS listeners (MQTT/TLS, MQTT over secure WebSocket) and HTTPS for the API, with certificates
// made by openssl for the test: TLS 1.2+, client certificates (verify_peer, CN as username),
// certificate reload without dropping connections (SIGHUP, plugin reload), listed in /nodes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { request as httpsRequest } from 'node:https';
import mqtt from 'mqtt';
import type { RelayMQ } from '../src/app.ts';
import { loadConfig } from '../src/config/load.ts';
import { startTestRelay, waitFor } from './helpers.ts';
import { makeCerts, type TestCerts } from './certs.ts';
import { newDataDir, processConfig, spawnRelay } from './process.ts';

/** The CN of the certificate a TLS server presents now; `extra` for client certificates. */
function serverCn(port: number, ca: Buffer, extra: ConnectionOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca, ...extra }, () => {
      resolve(String(s.getPeerCertificate().subject.CN));
      s.end();
    });
    s.on('error', reject);
  });
}

function httpsGet(port: number, ca: Buffer, path: string): Promise<{ status: number; body: any; cn: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, ca, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(body), cn: String((res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Whether an MQTT connection attempt ends without a CONNACK (bounded: 5 s). */
function refused(url: string, opts: mqtt.IClientOptions = {}): Promise<boolean> {
  const c = mqtt.connect(url, { ...opts, reconnectPeriod: 0, connectTimeout: 3000 });
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 5000);
    const end = (result: boolean) => { clearTimeout(timer); c.end(true); resolve(result); };
    c.once('connect', () => end(false));
    c.once('error', () => end(true));
    c.once('close', () => end(true));
  });
}

describe('TLS listeners and HTTPS', { timeout: 120_000 }, () => {
  let certs: TestCerts;
  let relay: RelayMQ;
  /** Certificate files the relay reads, overwritten to test reloads. */
  let live: { cert: string; key: string };
  before(async () => {
    certs = makeCerts();
    live = { cert: join(certs.dir, 'live.pem'), key: join(certs.dir, 'live.key') };
    copyFileSync(certs.serverA.cert, live.cert);
    copyFileSync(certs.serverA.key, live.key);
    relay = await startTestRelay({
      broker: { listener: {
        tls: { enable: true, addr: '127.0.0.1:0', ...live },
        wss: { enable: true, addr: '127.0.0.1:0', ...live, ca: certs.caPath, verify_peer: true, use_cn_as_username: true },
      } },
      httpApi: { http_tls_cert: live.cert, http_tls_key: live.key },
    });
  });
  after(() => relay.close());

  test('MQTT over TLS: a client trusting the CA connects, publishes and receives', async () => {
    const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${relay.ports.tls}`, { ca: certs.ca, reconnectPeriod: 0, connectTimeout: 5000 });
    const got = new Promise<string>((r) => c.on('message', (_t, p) => r(p.toString())));
    await c.subscribeAsync('tls/t');
    await c.publishAsync('tls/t', 'secret');
    assert.equal(await got, 'secret');
    await c.endAsync();
  });

  test('TLS 1.0 and 1.1 are refused; a plain MQTT client on the TLS port gets nothing', async () => {
    await assert.rejects(serverCn(relay.ports.tls!, certs.ca, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }));
    assert.equal(await refused(`mqtt://127.0.0.1:${relay.ports.tls}`), true);
  });

  test('secure WebSocket with verify_peer: no or a foreign client certificate is refused; the CN becomes the username', async () => {
    const url = `wss://127.0.0.1:${relay.ports.wss}/mqtt`;
    for (const cert of [undefined, certs.stranger]) assert.equal(await refused(url, { ca: certs.ca, ...cert }), true);
    const c = await mqtt.connectAsync(url, { ca: certs.ca, ...certs.alice, clientId: 'wss-alice', username: 'mallory', reconnectPeriod: 0, connectTimeout: 5000 });
    const info = await httpsGet(relay.ports.http!, certs.ca, '/api/v2/clients/wss-alice');
    assert.equal(info.body.data.username, 'alice');
    await c.endAsync();
  });

  test('/nodes lists every listener with its port and whether it is TLS', async () => {
    const nodes = (await httpsGet(relay.ports.http!, certs.ca, '/api/v2/nodes')).body.data;
    const listeners = Object.fromEntries(nodes[0].listeners.map((l: { name: string }) => [l.name, l]));
    assert.deepEqual(listeners.tls, { name: 'tls', addr: '127.0.0.1', port: relay.ports.tls, tls: true });
    assert.deepEqual(listeners.wss, { name: 'wss', addr: '127.0.0.1', port: relay.ports.wss, tls: true, path: '/mqtt' });
    assert.equal(listeners.tcp.tls, false);
  });

  test('reloadCertificates: new connections get the new certificate, open ones stay; a bad file changes nothing', async () => {
    assert.equal(await serverCn(relay.ports.tls!, certs.ca), 'server-a');
    const open = await mqtt.connectAsync(`mqtts://127.0.0.1:${relay.ports.tls}`, { ca: certs.ca, reconnectPeriod: 0 });
    copyFileSync(certs.serverB.cert, live.cert);
    copyFileSync(certs.serverB.key, live.key);
    await relay.reloadCertificates();
    assert.equal(await serverCn(relay.ports.tls!, certs.ca), 'server-b');
    assert.equal((await httpsGet(relay.ports.http!, certs.ca, '/api/v2/brokers')).cn, 'server-b', 'the HTTPS API too');
    assert.equal(open.connected, true);
    await open.publishAsync('still/open', 'x');
    writeFileSync(live.cert, 'not a certificate');
    await assert.rejects(relay.reloadCertificates());
    assert.equal(await serverCn(relay.ports.tls!, certs.ca), 'server-b', 'the previous certificate stays');
    copyFileSync(certs.serverA.cert, live.cert);
    await open.endAsync();
  });

  test('config: an enabled TLS listener needs cert and key; CN as username needs verify_peer and a CA', () => {
    assert.throws(() => loadConfig(undefined, { broker: { listener: { tls: { enable: true } } } }), /listener\.tls\.cert/);
    assert.throws(() => loadConfig(undefined, { broker: { listener: { wss: { enable: true, cert: 'a', key: 'b', use_cn_as_username: true } } } }),
      /listener\.wss\.use_cn_as_username/);
    assert.throws(() => loadConfig(undefined, { broker: { listener: { tls: { enable: true, cert: 'a', key: 'b', verify_peer: true } } } }), /listener\.tls\.ca/);
  });

  test('a missing certificate file stops startup with one line naming the key', async () => {
    await assert.rejects(startTestRelay({ broker: { listener: { tls: { enable: true, addr: '127.0.0.1:0', cert: '/nonexistent.pem', key: live.key } } } }),
      /key 'listener\.tls\.cert': cannot read '\/nonexistent\.pem'/);
  });

  test('HTTPS API: plain HTTP is not served on its port', async () => {
    await assert.rejects(fetch(`http://127.0.0.1:${relay.ports.http}/api/v2/brokers`, { signal: AbortSignal.timeout(5000) }));
  });
});

test('SIGHUP makes a running relaymq re-read its certificates', { timeout: 60_000 }, async () => {
  const certs = makeCerts();
  const live = { cert: join(certs.dir, 'live.pem'), key: join(certs.dir, 'live.key') };
  copyFileSync(certs.serverA.cert, live.cert);
  copyFileSync(certs.serverA.key, live.key);
  const config = processConfig(newDataDir(), `[listener.tls]\nenable = true\naddr = "127.0.0.1:0"\ncert = "${live.cert}"\nkey = "${live.key}"\n`);
  const relay = await spawnRelay(config);
  try {
    const port = Number(/tls (\d+)/.exec(relay.output())![1]);
    assert.equal(await serverCn(port, certs.ca), 'server-a');
    copyFileSync(certs.serverB.cert, live.cert);
    copyFileSync(certs.serverB.key, live.key);
    relay.child.kill('SIGHUP');
    await waitFor(async () => (await serverCn(port, certs.ca)) === 'server-b', 5000, 'the new certificate');
    assert.equal(relay.child.exitCode, null, 'still running');
  } finally {
    relay.child.kill('SIGTERM');
    await relay.exited;
  }
});
