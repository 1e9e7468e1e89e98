// HTTP API latency with many sessions: relaymq is populated over MQTT with `sessions` offline
// persistent sessions holding `queued` messages each, plus sessions/50 live clients; then each
// endpoint is read `samples` times by api-probe.ts, a client process of its own. Each request
// alternates with one to a bare node:http server answering the same body: on a shared 2-core
// machine even that server has a p99 of about a millisecond, so relaymq's figures are only
// meaningful next to it.
import { spawn } from 'node:child_process';
import mqtt, { type MqttClient } from 'mqtt';
import type { RunningBroker } from './brokers.ts';
import { startBareServer } from './http.ts';
import type { Percentiles } from './percentiles.ts';

export interface ApiLatency { relaymq: Percentiles; bare: Percentiles }

const progress = (msg: string) => process.stderr.write(`  … ${msg}\n`);

/** Offline persistent sessions, each subscribed to its own topic, then `queued` QoS 1 messages for each. */
async function populate(b: RunningBroker, sessions: number, queued: number, live: number): Promise<MqttClient[]> {
  const url = `mqtt://127.0.0.1:${b.port}`;
  const BATCH = 200;
  for (let i = 0; i < sessions; i += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, sessions - i) }, async (_, k) => {
      const c = await mqtt.connectAsync(url, { clientId: `s-${i + k}`, clean: false, reconnectPeriod: 0 });
      await c.subscribeAsync(`q/${i + k}`, { qos: 1 });
      await c.endAsync();
    }));
    if ((i / BATCH) % 50 === 0) progress(`${i + BATCH} sessions`);
  }
  const pub = await mqtt.connectAsync(url, { clientId: 'populate-pub', reconnectPeriod: 0 });
  for (let m = 0; m < queued; m++) {
    for (let i = 0; i < sessions; i += BATCH) {
      await Promise.all(Array.from({ length: Math.min(BATCH, sessions - i) }, (_, k) => pub.publishAsync(`q/${i + k}`, `m${m}`, { qos: 1 })));
    }
    progress(`${m + 1}/${queued} messages queued per session`);
  }
  await pub.endAsync();
  const clients: MqttClient[] = [];
  for (let i = 0; i < live; i += BATCH) {
    clients.push(...await Promise.all(Array.from({ length: Math.min(BATCH, live - i) }, async (_, k) => {
      const c = await mqtt.connectAsync(url, { clientId: `live-${i + k}`, reconnectPeriod: 0, keepalive: 300 });
      await c.subscribeAsync(`live/${i + k}/#`);
      return c;
    })));
  }
  return clients;
}

export const API_PATHS = [
  '/api/v2/stats/sum', '/api/v2/metrics/prometheus', '/api/v2/nodes',
  '/api/v2/clients/s-7', '/api/v2/clients?clientid=s-7', '/api/v2/subscriptions?_match_topic=q/7',
  '/api/v2/clients?_like_clientid=s-99&_limit=100', '/api/v2/clients?_gte_mqueue_len=5&_limit=100',
];

export async function apiAtScale(b: RunningBroker, sessions: number, samples = 1000, queued = 5): Promise<Record<string, ApiLatency>> {
  const live = await populate(b, sessions, queued, Math.ceil(sessions / 50));
  // Populating leaves the broker most of its heap in garbage (at 10,000 sessions, 290 MB of which
  // 85 MB live). V8 collects it some seconds later in one major GC, some 200 incremental steps of
  // about half a millisecond that land in whichever path is being measured: collect it first.
  await b.gc?.();
  const bodies: Record<string, string> = {};
  for (const path of API_PATHS) bodies[path] = await (await fetch(`http://127.0.0.1:${b.http}${path}`)).text();
  const bare = await startBareServer(bodies);
  let out: Record<string, ApiLatency>;
  try {
    out = await probe({ relayPort: b.http!, barePort: bare.port, paths: API_PATHS, samples });
  } finally {
    bare.stop();
  }
  for (let i = 0; i < live.length; i += 500) await Promise.all(live.slice(i, i + 500).map((c) => c.endAsync(true)));
  return out;
}

/** Runs api-probe.ts (bounded: 10 minutes) and returns its measurements. */
function probe(args: { relayPort: number; barePort: number; paths: string[]; samples: number }): Promise<Record<string, ApiLatency>> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/api-probe.ts', JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => child.on('exit', (code) =>
    (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`api-probe exited with ${code}`)))));
}
