// "Never lose an acknowledged message", as an operator would check it: relaymq as a real process
// on LevelDB, persistent subscribers offline and online, two publishers sending QoS 1 and QoS 2
// concurrently, and `kill -9` right after a PUBACK while traffic flows — five rounds. Then a
// graceful restart with messages queued before and after it. Every count is exact.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { spawnRelay, processConfig, newDataDir, freePort, type RelayProcess } from './process.ts';
import { waitFor } from './helpers.ts';

const url = (p: RelayProcess) => `mqtt://127.0.0.1:${p.ports.mqtt}`;
const connect = (p: RelayProcess, opts: mqtt.IClientOptions) => mqtt.connectAsync(url(p), { reconnectPeriod: 0, connectTimeout: 5000, ...opts });

/**
 * Connects with the message handler already in place: a resumed session's queue can arrive in
 * the same read as the CONNACK, before connectAsync's promise would let a handler be attached.
 */
async function connectReceiving(p: RelayProcess, opts: mqtt.IClientOptions, onMessage: (payload: string) => void): Promise<MqttClient> {
  const c = mqtt.connect(url(p), { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  c.on('message', (_t, payload) => onMessage(payload.toString()));
  c.on('error', () => {});
  await new Promise<void>((resolve, reject) => { c.once('connect', () => resolve()); c.once('close', () => reject(new Error('connection closed'))); });
  return c;
}
const stop = async (p: RelayProcess) => { p.child.kill('SIGTERM'); await p.exited; };

/** Payloads the broker acknowledged to this publisher: PUBACK (QoS 1) or PUBREC (QoS 2) without a failure code. */
function trackAcknowledged(client: MqttClient, acked: Set<string>, onAck: () => void): void {
  const sent = new Map<number, string>();
  client.on('packetsend', (p: any) => { if (p.cmd === 'publish' && p.qos > 0) sent.set(p.messageId, p.payload.toString()); });
  client.on('packetreceive', (p: any) => {
    if ((p.cmd === 'puback' || p.cmd === 'pubrec') && (p.reasonCode ?? 0) < 0x80 && sent.has(p.messageId)) {
      acked.add(sent.get(p.messageId)!);
      onAck();
    }
  });
}

/** Publishes `count` messages, alternating QoS 1 and 2, keeping `window` in flight, until done or the connection dies. */
async function publishLoad(client: MqttClient, name: string, count: number, window: number): Promise<void> {
  // mqtt.js leaves a publish pending when the connection dies: stop waiting at the close.
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  let inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < count && client.connected; i++) {
    const qos = (i % 2) + 1 as 1 | 2;
    inFlight.push(Promise.race([client.publishAsync(`k/${name}`, `${name}-q${qos}-${i}`, { qos }).catch(() => {}), closed]));
    if (inFlight.length >= window) { await Promise.all(inFlight); inFlight = []; }
  }
  await Promise.all(inFlight);
}

const SUBSCRIBERS = [
  { id: 'off-4', version: 4 as const },
  { id: 'off-5', version: 5 as const },
  { id: 'on-4', version: 4 as const },
];
// The online subscriber stays one client across the restart (one mqtt.js instance that
// reconnects to the same port): mqtt.js hands a QoS 2 message to the application at PUBREL, so
// the PUBLISH it stored before the kill must still be there when the PUBREL is resent.
const sessionOpts = (s: typeof SUBSCRIBERS[number]) => ({
  clientId: s.id, protocolVersion: s.version, clean: false, ...(s.version === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}),
});

describe('durability under kill -9', { timeout: 300_000 }, () => {
  for (let round = 1; round <= 5; round++) {
    test(`round ${round}: SIGKILL right after a PUBACK under QoS 1 + QoS 2 load; every acknowledged message arrives, QoS 2 exactly once`, async () => {
      // The last round fsyncs every group commit (persistence.sync), the others do not.
      const config = processConfig(newDataDir(), round === 5 ? 'sync = true\n' : '', await freePort());
      let p = await spawnRelay(config);
      for (const s of SUBSCRIBERS) {
        const c = await connect(p, sessionOpts(s));
        await c.subscribeAsync('k/#', { qos: 2 });
        await c.endAsync();
      }
      const received = new Map<string, string[]>(SUBSCRIBERS.map((s) => [s.id, []]));
      const online = await connectReceiving(p, { ...sessionOpts(SUBSCRIBERS[2]), reconnectPeriod: 200 }, (m) => received.get('on-4')!.push(m));

      const acked = new Set<string>();
      const killAfter = 60 + round * 37; // a different moment each round, mid-traffic
      let killed = false;
      const pubs = await Promise.all(['a', 'b'].map((n, i) => connect(p, { clientId: `pub-${n}`, protocolVersion: i === 0 ? 4 : 5 })));
      for (const pub of pubs) {
        pub.on('error', () => {});
        trackAcknowledged(pub, acked, () => {
          if (!killed && acked.size >= killAfter) { killed = true; p.child.kill('SIGKILL'); }
        });
      }
      await Promise.all(pubs.map((pub, i) => publishLoad(pub, ['a', 'b'][i], 300, 16)));
      assert.ok(killed, 'the broker was killed mid-traffic');
      await p.exited;
      for (const c of pubs) c.end(true);

      p = await spawnRelay(config);
      try {
        const offline = SUBSCRIBERS.filter((s) => s.id !== 'on-4');
        const inboxes = await Promise.all(offline.map((s) => connectReceiving(p, sessionOpts(s), (m) => received.get(s.id)!.push(m))));
        inboxes.push(online); // reconnects by itself
        for (const s of SUBSCRIBERS) {
          const got = received.get(s.id)!;
          await waitFor(() => [...acked].every((m) => got.includes(m)), 20_000, `${s.id}: all ${acked.size} acknowledged messages`);
        }
        await new Promise((r) => setTimeout(r, 500));
        for (const s of SUBSCRIBERS) {
          const counts = new Map<string, number>();
          for (const m of received.get(s.id)!) counts.set(m, (counts.get(m) ?? 0) + 1);
          const twice = [...counts].filter(([m, n]) => m.includes('-q2-') && n > 1).map(([m]) => m);
          assert.deepEqual(twice, [], `${s.id}: QoS 2 messages delivered more than once`);
        }
        await Promise.all(inboxes.map((c) => c.endAsync()));
      } finally {
        await stop(p);
      }
    });
  }

  test('graceful restart with messages queued, then new ones: all arrive, in order per publisher', async () => {
    const config = processConfig(newDataDir());
    let p = await spawnRelay(config);
    const sub = await connect(p, { clientId: 'ordered', clean: false });
    await sub.subscribeAsync('o/#', { qos: 1 });
    await sub.endAsync();
    const publishAll = async (prefix: string) => {
      const pubs = await Promise.all(['x', 'y'].map((n) => connect(p, { clientId: `opub-${n}` })));
      // x publishes QoS 1, y QoS 2: MQTT orders messages per topic and QoS (and mqtt.js hands a
      // QoS 2 message to the application only at PUBREL, a round trip later than a QoS 1 one).
      for (let i = 0; i < 5; i++) await Promise.all(pubs.map((c, j) => c.publishAsync(`o/${j}`, `${prefix}-${['x', 'y'][j]}-${i}`, { qos: (j + 1) as 1 | 2 })));
      await Promise.all(pubs.map((c) => c.endAsync()));
    };
    await publishAll('old');
    await stop(p);
    p = await spawnRelay(config);
    try {
      await publishAll('new');
      assert.equal((await p.api('/clients/ordered')).data.mqueue_len, 20);
      const got: string[] = [];
      const back = await connectReceiving(p, { clientId: 'ordered', clean: false }, (m) => got.push(m));
      await waitFor(() => got.length >= 20, 10_000, '20 messages');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(got.length, 20);
      for (const who of ['x', 'y']) {
        const mine = got.filter((m) => m.includes(`-${who}-`));
        assert.deepEqual(mine, [...[0, 1, 2, 3, 4].map((i) => `old-${who}-${i}`), ...[0, 1, 2, 3, 4].map((i) => `new-${who}-${i}`)]);
      }
      await back.endAsync();
    } finally {
      await stop(p);
    }
  });
});
