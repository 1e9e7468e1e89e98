// MQTT scenarios, run by one client process (mqtt.js) against each broker of bench/brokers.ts.
// Every loop is bounded in time and in count.
import mqtt, { type MqttClient } from 'mqtt';
import type { RunningBroker } from './brokers.ts';
import { percentiles, type Percentiles } from './percentiles.ts';

const MAX_PER_PUBLISHER = 5_000_000;
/** Messages each publisher may have unacknowledged (QoS 1/2) or unwritten (QoS 0). */
const WINDOW = 64;

const connect = (b: RunningBroker, opts: mqtt.IClientOptions = {}) =>
  mqtt.connectAsync(`mqtt://127.0.0.1:${b.port}`, { reconnectPeriod: 0, connectTimeout: 10_000, ...opts });

/** Publishes on `topic(i)` from each publisher with a sliding window until `seconds` pass. */
async function publishFor(pubs: MqttClient[], seconds: number, qos: 0 | 1 | 2, topic: (i: number) => string): Promise<number> {
  const payload = Buffer.alloc(64, 'x');
  let stop = false;
  const timer = setTimeout(() => { stop = true; }, seconds * 1000);
  const start = performance.now();
  await Promise.all(pubs.map((pub, i) => new Promise<void>((resolve) => {
    let sent = 0;
    let open = 0;
    const next = () => {
      while (!stop && sent < MAX_PER_PUBLISHER && open < WINDOW) {
        sent++;
        open++;
        pub.publish(topic(i), payload, { qos }, () => { open--; next(); });
      }
      if ((stop || sent >= MAX_PER_PUBLISHER) && open === 0) resolve();
    };
    next();
  })));
  clearTimeout(timer);
  return (performance.now() - start) / 1000;
}

export type Throughput = { rate: number; cpuUsPerMsg: number };

/**
 * P publishers → 1 subscriber: messages/s the subscriber receives, and broker CPU per message.
 * A persistent subscriber makes the broker store a copy of every QoS 1/2 message for it.
 */
export async function fanIn(b: RunningBroker, qos: 0 | 1 | 2, seconds: number, opts: { publishers?: number; persistent?: boolean } = {}): Promise<Throughput> {
  const publishers = opts.publishers ?? 4;
  const sub = await connect(b, { clientId: 'bench-sub', clean: !opts.persistent });
  let received = 0;
  sub.on('message', () => { received++; });
  await sub.subscribeAsync('bench/#', { qos });
  const pubs = await Promise.all(Array.from({ length: publishers }, (_, i) => connect(b, { clientId: `bench-pub-${i}` })));
  const cpu0 = b.cpu();
  const elapsed = await publishFor(pubs, seconds, qos, (i) => `bench/${i}`);
  const got = received;
  const cpu = b.cpu() - cpu0;
  await Promise.all([...pubs, sub].map((c) => c.endAsync(true)));
  return { rate: got / elapsed, cpuUsPerMsg: (cpu * 1000) / Math.max(1, got) };
}

/** 1 publisher → N subscribers (QoS 0): deliveries/s over all subscribers. */
export async function fanOut(b: RunningBroker, seconds: number, subscribers = 50): Promise<Throughput> {
  const subs = await Promise.all(Array.from({ length: subscribers }, (_, i) => connect(b, { clientId: `bench-fo-${i}` })));
  let received = 0;
  for (const s of subs) {
    s.on('message', () => { received++; });
    await s.subscribeAsync('fan/out');
  }
  const pub = await connect(b, { clientId: 'bench-fo-pub' });
  const cpu0 = b.cpu();
  const elapsed = await publishFor([pub], seconds, 0, () => 'fan/out');
  const got = received;
  const cpu = b.cpu() - cpu0;
  await Promise.all([...subs, pub].map((c) => c.endAsync(true)));
  return { rate: got / elapsed, cpuUsPerMsg: (cpu * 1000) / Math.max(1, got) };
}

/**
 * End-to-end latency of QoS 1 messages published at a fixed rate: p50 and p99, ms. The publisher
 * may use another broker than the subscriber (a cluster's other node).
 */
export async function latency(b: RunningBroker, seconds: number, perSecond = 1000, publishTo: RunningBroker = b): Promise<Percentiles> {
  const sub = await connect(b, { clientId: 'bench-lat-sub' });
  const samples: number[] = [];
  sub.on('message', (_t, payload) => { samples.push(performance.now() - payload.readDoubleLE(0)); });
  await sub.subscribeAsync('lat/t', { qos: 1 });
  await new Promise((r) => setTimeout(r, 300)); // a subscription reaches the other nodes through the cluster log
  const pub = await connect(publishTo, { clientId: 'bench-lat-pub' });
  const total = Math.min(seconds * perSecond, 1_000_000);
  const tick = 10; // ms: perSecond / 100 messages every tick
  for (let sent = 0; sent < total;) {
    const at = performance.now();
    for (let k = 0; k < perSecond / (1000 / tick) && sent < total; k++, sent++) {
      const payload = Buffer.alloc(64);
      payload.writeDoubleLE(performance.now(), 0);
      pub.publish('lat/t', payload, { qos: 1 });
    }
    await new Promise((r) => setTimeout(r, Math.max(0, tick - (performance.now() - at))));
  }
  const deadline = Date.now() + 5000;
  while (samples.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await Promise.all([sub, pub].map((c) => c.endAsync(true)));
  return percentiles(samples);
}

/**
 * Connects `n` idle clients in batches: connections/s, and the broker's RSS per connection: 1 s
 * after the last one (garbage included); after a full GC at both ends; and, after a full GC, the
 * growth from the first fifth of the clients to all of them (the cost of one more connection,
 * without what the first connections cost once: compiled code, a grown young generation).
 * The GCs need a Node.js broker; for others the three RSS figures are the same measure.
 */
export async function connections(b: RunningBroker, n = 5000, batch = 100): Promise<{ rate: number; rssPerConn: number; rssPerConnAfterGc: number; rssPerExtraConn: number }> {
  const clients: MqttClient[] = [];
  await new Promise((r) => setTimeout(r, 500));
  await b.gc?.();
  const rss0 = b.rss();
  let connecting = 0;
  let rssAtFifth = rss0;
  for (let i = 0; i < n; i += batch) {
    if (i === n / 5) {
      await b.gc?.(); // not counted in the connection rate
      rssAtFifth = b.rss();
    }
    const t = performance.now();
    clients.push(...await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, k) =>
      connect(b, { clientId: `bench-idle-${i + k}`, keepalive: 300 }))));
    connecting += performance.now() - t;
  }
  await new Promise((r) => setTimeout(r, 1000));
  const rss = b.rss() - rss0;
  await b.gc?.();
  const rssAfterGc = b.rss();
  for (let i = 0; i < clients.length; i += 500) await Promise.all(clients.slice(i, i + 500).map((c) => c.endAsync(true)));
  return {
    rate: n / (connecting / 1000),
    rssPerConn: rss / n,
    rssPerConnAfterGc: (rssAfterGc - rss0) / n,
    rssPerExtraConn: (rssAfterGc - rssAtFifth) / (n - n / 5),
  };
}
