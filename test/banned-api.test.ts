// Bans (relaymq extension) as a banned client and an operator see them: the CONNACK a banned
// client gets (MQTT 5: 0x8A Banned; MQTT 3.1.1: return code 5), kicks, CIDR ranges, expiry, bad
// requests, cursors, and bans surviving a restart.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestRelay, http, getData, connectClient, waitFor } from './helpers.ts';
import { rawClient } from './raw-mqtt.ts';
import type { RelayMQ } from '../src/app.ts';
import { spawnRelay, processConfig, newDataDir } from './process.ts';

const ban = (relay: RelayMQ, body: Record<string, unknown>) => http(relay, 'POST', '/api/v2/banned', { body });

/** The CONNACK code a client gets: MQTT 5 reason code or MQTT 3.1.1 return code. */
async function connackCode(relay: RelayMQ, clientId: string, version: 4 | 5, username?: string): Promise<number> {
  const c = await rawClient(relay.ports.mqtt!, clientId, { version, connect: username ? { username } : {} });
  c.destroy();
  return version === 5 ? c.connack!.reasonCode! : c.connack!.returnCode!;
}

describe('bans', () => {
  let relay: RelayMQ;
  before(async () => { relay = await startTestRelay(); });
  after(() => relay.close());

  test('a banned client id is refused at CONNECT (v5 0x8A, v3.1.1 code 5); other clients are not', async () => {
    const r = await ban(relay, { as: 'clientid', who: 'bad/device', reason: 'flooding' });
    assert.equal(r.status, 200);
    assert.equal(r.json.data.as, 'clientid');
    assert.equal(r.json.data.who, 'bad/device');
    assert.equal(r.json.data.reason, 'flooding');
    assert.equal(r.json.data.until, null);
    assert.equal(await connackCode(relay, 'bad/device', 5), 0x8a);
    assert.equal(await connackCode(relay, 'bad/device', 4), 5);
    assert.equal(await connackCode(relay, 'good-device', 5), 0);
    // The session of a refused client was never created.
    assert.equal((await http(relay, 'GET', '/api/v2/clients/bad%2Fdevice')).status, 404);
    // Lifted with the query form (the id contains '/'): it connects again.
    assert.equal((await http(relay, 'DELETE', '/api/v2/banned?as=clientid&who=bad/device')).json.data, 'ok');
    assert.equal((await http(relay, 'DELETE', '/api/v2/banned?as=clientid&who=bad/device')).status, 404);
    assert.equal(await connackCode(relay, 'bad/device', 5), 0);
  });

  test('a banned username is refused whatever the client id', async () => {
    await ban(relay, { as: 'username', who: 'mallory' });
    assert.equal(await connackCode(relay, 'any-1', 5, 'mallory'), 0x8a);
    assert.equal(await connackCode(relay, 'any-2', 4, 'mallory'), 5);
    assert.equal(await connackCode(relay, 'any-3', 5, 'alice'), 0);
    assert.equal((await http(relay, 'DELETE', '/api/v2/banned/username/mallory')).status, 200);
  });

  test('an address range (CIDR) is kept in canonical form and refuses every address in it', async () => {
    const r = await ban(relay, { as: 'ipaddr', who: '127.1.2.3/8' });
    assert.equal(r.json.data.who, '127.0.0.0/8');
    assert.equal(await connackCode(relay, 'from-loopback', 5), 0x8a);
    assert.equal((await http(relay, 'DELETE', '/api/v2/banned/ipaddr/127.0.0.0%2F8')).json.data, 'ok');
    assert.equal(await connackCode(relay, 'from-loopback', 5), 0);
    // A range elsewhere refuses nobody here; an IPv6 range is canonical too.
    await ban(relay, { as: 'ipaddr', who: '10.0.0.0/8' });
    assert.equal(await connackCode(relay, 'from-loopback', 5), 0);
    assert.equal((await ban(relay, { as: 'ipaddr', who: '2001:DB8:0:0:1::/32' })).json.data.who, '2001:db8::/32');
    for (const who of ['10.0.0.0/8', '2001:db8::/32']) assert.equal((await http(relay, 'DELETE', `/api/v2/banned?as=ipaddr&who=${encodeURIComponent(who)}`)).status, 200);
  });

  test('kick: current matching connections are closed with DISCONNECT 0x98, their session stays', async () => {
    const victim = await connectClient(relay, { clientId: 'kick-me', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } });
    const bystander = await connectClient(relay, { clientId: 'stay-1', protocolVersion: 5 });
    const disconnect = new Promise<any>((resolve) => victim.on('disconnect', resolve));
    await ban(relay, { as: 'clientid', who: 'kick-me', kick: true, duration: 60 });
    assert.equal((await disconnect).reasonCode, 0x98);
    await waitFor(async () => (await getData(relay, '/api/v2/clients/kick-me')).connected === false, 5000, 'the session offline');
    assert.equal(bystander.connected, true);
    assert.equal((await getData(relay, '/api/v2/clients/kick-me')).disconnected_reason, 'banned');
    victim.end(true);
    await bystander.endAsync();
    await http(relay, 'DELETE', '/api/v2/banned/clientid/kick-me');
  });

  test('a ban expires on its own (duration), and is then neither enforced nor listed', async () => {
    await ban(relay, { as: 'clientid', who: 'short-ban', duration: 1 });
    assert.equal(await connackCode(relay, 'short-ban', 5), 0x8a);
    await waitFor(async () => (await connackCode(relay, 'short-ban', 5)) === 0, 3000, 'the ban expired');
    assert.ok(!(await getData(relay, '/api/v2/banned')).some((b: any) => b.who === 'short-ban'));
    const until = Math.floor(Date.now() / 1000) + 3600;
    assert.equal((await ban(relay, { as: 'clientid', who: 'until-ban', until })).json.data.until, until);
    await http(relay, 'DELETE', '/api/v2/banned/clientid/until-ban');
  });

  test('bad requests are 400s in the envelope and ban nothing', async () => {
    const past = Math.floor(Date.now() / 1000) - 10;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ as: 'clientid', who: 'x', until: past }, /not in the future/],
      [{ as: 'clientid', who: 'x', until: past + 1000, duration: 5 }, /not both/],
      [{ as: 'ipaddr', who: '10.0.0.0/33' }, /prefix length/],
      [{ as: 'ipaddr', who: 'not-an-address' }, /not an IP address/],
      [{ as: 'ipaddr', who: '10.0.0.0/8/1' }, /not an IP address/],
      [{ as: 'nickname', who: 'x' }, /as/],
      [{ as: 'clientid' }, /who/],
      [{ as: 'clientid', who: '' }, /who/],
      [{ as: 'clientid', who: 'x', duration: 0 }, /duration/],
    ];
    for (const [body, msg] of cases) {
      const r = await ban(relay, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.deepEqual([r.json.code, r.json.data], [400, null]);
      assert.match(r.json.msg, msg);
    }
    assert.ok(!(await getData(relay, '/api/v2/banned')).some((b: any) => b.who === 'x'));
    assert.equal((await http(relay, 'DELETE', '/api/v2/banned/nickname/x')).status, 400);
    assert.equal((await http(relay, 'DELETE', '/api/v2/banned/clientid/nobody')).status, 404);
  });

  test('GET /banned pages in (as, who) order with X-Next-Cursor and X-Total-Count', async () => {
    for (let i = 0; i < 12; i++) await ban(relay, { as: 'clientid', who: `page-${String(i).padStart(2, '0')}` });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const r = await http(relay, 'GET', `/api/v2/banned?_limit=5${cursor ? `&_cursor=${cursor}` : ''}`);
      assert.equal(r.headers['x-total-count'], '12');
      seen.push(...r.json.data.map((b: any) => b.who));
      cursor = r.headers['x-next-cursor'] as string | undefined;
      if (!cursor) break;
    }
    assert.deepEqual(seen, Array.from({ length: 12 }, (_, i) => `page-${String(i).padStart(2, '0')}`));
    for (const who of seen) await http(relay, 'DELETE', `/api/v2/banned/clientid/${who}`);
  });
});

test('bans survive a restart (LevelDB store)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'relaymq-bans-'));
  const broker = { persistence: { type: 'level', data_dir: dataDir } };
  let relay = await startTestRelay({ broker });
  await ban(relay, { as: 'clientid', who: 'persisted-ban', reason: 'kept' });
  await ban(relay, { as: 'ipaddr', who: '192.0.2.0/24' });
  await relay.close();
  relay = await startTestRelay({ broker });
  try {
    assert.equal(await connackCode(relay, 'persisted-ban', 5), 0x8a);
    assert.deepEqual((await getData(relay, '/api/v2/banned')).map((b: any) => [b.as, b.who, b.reason]),
      [['clientid', 'persisted-ban', 'kept'], ['ipaddr', '192.0.2.0/24', '']]);
  } finally {
    await relay.close();
  }
});

test('a ban acknowledged just before SIGKILL is enforced, and a ban lifted just before it is gone, after the restart', { timeout: 90_000 }, async () => {
  const config = processConfig(newDataDir());
  let p = await spawnRelay(config);
  const post = (body: object) => p.api('/banned', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal((await post({ as: 'clientid', who: 'lifted' })).code, 0);
  assert.equal((await p.api('/banned/clientid/lifted', { method: 'DELETE' })).code, 0);
  assert.equal((await post({ as: 'clientid', who: 'killed-ban' })).code, 0);
  p.child.kill('SIGKILL'); // no clean shutdown: only what the store had committed counts
  await p.exited;
  p = await spawnRelay(config);
  try {
    const code = async (id: string) => {
      const c = await rawClient(p.ports.mqtt, id, { version: 5 });
      c.destroy();
      return c.connack?.reasonCode;
    };
    assert.equal(await code('killed-ban'), 0x8a);
    assert.equal(await code('lifted'), 0);
    assert.deepEqual((await p.api('/banned')).data.map((b: any) => b.who), ['killed-ban']);
  } finally {
    p.child.kill('SIGTERM');
    await p.exited;
  }
});
