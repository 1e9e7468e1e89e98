// MQTT 5 enhanced authentication (§4.12, AUTH packets) with the relaymq-auth-scram plugin:
// SCRAM-SHA-256 from mqtt.js (authPacket/handleAuth) and from the bare client (to see every
// packet, and to re-authenticate), against a users file written for the test.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { RelayMQ } from '../src/app.ts';
import { deriveCredentials } from '../src/plugins/relaymq-auth-scram/scram.ts';
import { startTestRelay, getData, http, pluginFile } from './helpers.ts';
import { rawClient, type RawClient } from './raw-mqtt.ts';

const METHOD = 'SCRAM-SHA-256';
const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/** The client side of SCRAM-SHA-256 (RFC 5802), written from the RFC for the test. */
function scramClient(user: string, password: string) {
  const nonce = randomBytes(12).toString('base64');
  const clientFirstBare = `n=${user},r=${nonce}`;
  let expectedServerSignature = '';
  return {
    first: Buffer.from(`n,,${clientFirstBare}`),
    final(serverFirst: Buffer): Buffer {
      const text = serverFirst.toString();
      const a = Object.fromEntries(text.split(',').map((p) => [p[0], p.slice(2)]));
      assert.ok(a.r.startsWith(nonce), 'the server nonce extends ours');
      const salted = pbkdf2Sync(password, Buffer.from(a.s, 'base64'), Number(a.i), 32, 'sha256');
      const clientKey = hmac(salted, 'Client Key');
      const storedKey = createHash('sha256').update(clientKey).digest();
      const withoutProof = `c=biws,r=${a.r}`;
      const authMessage = `${clientFirstBare},${text},${withoutProof}`;
      const signature = hmac(storedKey, authMessage);
      const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i])).toString('base64');
      expectedServerSignature = `v=${hmac(hmac(salted, 'Server Key'), authMessage).toString('base64')}`;
      return Buffer.from(`${withoutProof},p=${proof}`);
    },
    get serverFinal() { return expectedServerSignature; },
  };
}

const auth = (c: RawClient, reasonCode: number, data: Buffer) =>
  c.send({ cmd: 'auth', reasonCode, properties: { authenticationMethod: METHOD, authenticationData: data } });

/** Connects with SCRAM from the bare client, answering the challenge before the CONNACK. */
async function rawScram(relay: RelayMQ, clientId: string, user: string, password: string) {
  const s = scramClient(user, password);
  let answered = false;
  const c = await rawClient(relay.ports.mqtt!, clientId, {
    version: 5, connect: { properties: { authenticationMethod: METHOD, authenticationData: s.first } },
    onPacket: (p, send) => {
      if (p.cmd === 'auth' && p.reasonCode === 0x18 && !answered) {
        answered = true;
        send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: METHOD, authenticationData: s.final(p.properties.authenticationData) } });
      }
    },
  });
  return { s, c };
}

describe('enhanced authentication: SCRAM-SHA-256', { timeout: 60_000 }, () => {
  let relay: RelayMQ;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relaymq-scram-'));
    const bob = deriveCredentials('bob-secret');
    writeFileSync(join(dir, 'users.toml'), [
      '[users.alice]', 'password = "alice-secret"',
      '[users.bob]', `salt = "${bob.salt.toString('base64')}"`, `iterations = ${bob.iterations}`,
      `stored_key = "${bob.storedKey.toString('base64')}"`, `server_key = "${bob.serverKey.toString('base64')}"`,
    ].join('\n'));
    relay = await startTestRelay({
      broker: { plugins: { default_startups: ['rmqtt-acl', 'rmqtt-counter', 'rmqtt-http-api', 'relaymq-auth-scram'] } },
      pluginFiles: { 'relaymq-auth-scram': `users_file = "${join(dir, 'users.toml')}"` },
    });
  });
  after(() => relay.close());

  test('mqtt.js completes the exchange; the CONNACK proves the server knew the key; the user is the username', async () => {
    const s = scramClient('alice', 'alice-secret');
    const client = mqtt.connect(`mqtt://127.0.0.1:${relay.ports.mqtt}`, {
      protocolVersion: 5, clientId: 'scram-js', reconnectPeriod: 0, connectTimeout: 5000,
      properties: { authenticationMethod: METHOD, authenticationData: s.first },
    });
    client.handleAuth = (packet, callback) => {
      callback(undefined, { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: METHOD, authenticationData: s.final(packet.properties!.authenticationData!) } });
    };
    const connack = await new Promise<any>((resolve, reject) => { client.once('connect', resolve); client.once('error', reject); });
    assert.equal(connack.properties.authenticationMethod, METHOD);
    assert.equal(connack.properties.authenticationData.toString(), s.serverFinal);
    assert.equal((await getData(relay, '/api/v2/clients/scram-js')).username, 'alice');
    await client.endAsync();
  });

  test('stored keys (no password in the file) work the same', async () => {
    const { s, c } = await rawScram(relay, 'scram-bob', 'bob', 'bob-secret');
    assert.equal(c.connack!.reasonCode, 0);
    assert.equal(c.connack!.properties?.authenticationData?.toString(), s.serverFinal);
    c.destroy();
  });

  test('a wrong password or an unknown user: CONNACK 0x86, after the same kind of challenge', async () => {
    for (const [user, password] of [['alice', 'wrong'], ['mallory', 'x']]) {
      const { c } = await rawScram(relay, `scram-${user}`, user, password);
      assert.equal(c.connack!.reasonCode, 0x86, user);
      assert.match(c.packets[0].properties.authenticationData.toString(), /^r=.+,s=.+,i=4096$/);
    }
  });

  test('a method nobody implements: CONNACK 0x8C; an AUTH outside an exchange: DISCONNECT 0x82', async () => {
    const c = await rawClient(relay.ports.mqtt!, 'scram-other', { version: 5, connect: { properties: { authenticationMethod: 'KERBEROS', authenticationData: Buffer.from('x') } } });
    assert.equal(c.connack!.reasonCode, 0x8c);
    const plain = await rawClient(relay.ports.mqtt!, 'scram-plain', { version: 5 });
    assert.equal(plain.connack!.reasonCode, 0, 'username/password clients are unaffected');
    const bye = plain.next((p) => p.cmd === 'disconnect');
    auth(plain, 0x18, Buffer.from('n,,n=alice,r=x'));
    assert.equal((await bye).reasonCode, 0x82);
  });

  test('re-authentication (AUTH 0x19) runs a new exchange and ends with AUTH 0x00; a bad one disconnects', async () => {
    const { c } = await rawScram(relay, 'scram-re', 'alice', 'alice-secret');
    assert.equal(c.connack!.reasonCode, 0);
    const again = scramClient('alice', 'alice-secret');
    const challenge = c.next((p) => p.cmd === 'auth');
    auth(c, 0x19, again.first);
    const success = c.next((p) => p.cmd === 'auth' && p.reasonCode === 0);
    auth(c, 0x18, again.final((await challenge).properties.authenticationData));
    assert.equal((await success).properties.authenticationData.toString(), again.serverFinal);
    const bad = scramClient('alice', 'nope');
    const challenge2 = c.next((p) => p.cmd === 'auth');
    auth(c, 0x19, bad.first);
    const bye = c.next((p) => p.cmd === 'disconnect');
    auth(c, 0x18, bad.final((await challenge2).properties.authenticationData));
    assert.equal((await bye).reasonCode, 0x87, 'DISCONNECT has no 0x86');
  });

  test('a users file that cannot be read: the reload is a 400 naming it, and the users stay', async () => {
    const file = pluginFile(relay, 'relaymq-auth-scram');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, 'users_file = "/nonexistent/users.toml"\n');
    try {
      const r = await http(relay, 'PUT', '/api/v2/plugins/1/relaymq-auth-scram/config/reload');
      assert.equal(r.status, 400);
      assert.match(r.json.msg, /users_file '\/nonexistent\/users\.toml'/);
      const { c } = await rawScram(relay, 'scram-after', 'alice', 'alice-secret');
      assert.equal(c.connack!.reasonCode, 0);
      c.destroy();
    } finally {
      writeFileSync(file, good);
    }
  });
});
