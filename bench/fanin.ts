// MQTT fan-in: P publishers → 1 subscriber on one broker process, for a fixed time. Reports
// messages/s received by the subscriber. Each publisher keeps a bounded window of messages
// in flight; every loop is bounded in time and count.
import { spawn } from 'node:child_process';
import mqtt from 'mqtt';

export interface FanInResult { received: number; seconds: number; rate: number }

export async function fanIn(kind: string, opts: { qos: 0 | 1; publishers: number; seconds: number; persistentSubscriber: boolean }): Promise<FanInResult> {
  const child = spawn(process.execPath, [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []), '--import', 'tsx', 'bench/mqtt-server.ts', kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${kind} did not start`)), 30_000);
      child.stdout.once('data', (d) => { clearTimeout(t); resolve(Number(String(d).trim())); });
    });
    const url = `mqtt://127.0.0.1:${port}`;
    const sub = await mqtt.connectAsync(url, { clientId: 'bench-sub', clean: !opts.persistentSubscriber, reconnectPeriod: 0 });
    let received = 0;
    sub.on('message', () => { received++; });
    await sub.subscribeAsync('bench/#', { qos: opts.qos });
    const pubs = await Promise.all(Array.from({ length: opts.publishers }, (_, i) =>
      mqtt.connectAsync(url, { clientId: `bench-pub-${i}`, reconnectPeriod: 0 })));

    const payload = Buffer.alloc(64, 'x');
    const WINDOW = 64;
    const MAX_PER_PUBLISHER = 5_000_000;
    let stop = false;
    const deadline = setTimeout(() => { stop = true; }, opts.seconds * 1000);
    const start = Date.now();
    await Promise.all(pubs.map((pub, i) => new Promise<void>((resolve) => {
      // A sliding window: each acknowledgement lets the next message go.
      let sent = 0;
      let open = 0;
      const next = () => {
        while (!stop && sent < MAX_PER_PUBLISHER && open < WINDOW) {
          sent++;
          open++;
          pub.publish(`bench/${i}`, payload, { qos: opts.qos }, () => { open--; next(); });
        }
        if ((stop || sent >= MAX_PER_PUBLISHER) && open === 0) resolve();
      };
      next();
    })));
    clearTimeout(deadline);
    const seconds = (Date.now() - start) / 1000;
    const atStop = received;
    await Promise.all([...pubs, sub].map((c) => c.endAsync(true)));
    return { received: atStop, seconds, rate: atStop / seconds };
  } finally {
    child.kill();
  }
}

export async function benchPersistence(): Promise<void> {
  const seconds = Number(process.env.BENCH_FANIN_SECONDS ?? 5);
  const opts = { qos: 1 as const, publishers: 4, seconds, persistentSubscriber: true };
  const memory = await fanIn('relaymq-memory', opts);
  const level = await fanIn('relaymq-level', opts);
  console.log(`QoS 1 fan-in, 4 publishers → 1 persistent subscriber, ${seconds} s:`);
  console.log(`  memory store  ${memory.rate.toFixed(0)} msg/s (baseline 1.00)`);
  console.log(`  level store   ${level.rate.toFixed(0)} msg/s (${(level.rate / memory.rate).toFixed(2)}× memory)`);
}

export async function benchCounting(): Promise<void> {
  const seconds = Number(process.env.BENCH_FANIN_SECONDS ?? 10);
  const opts = { qos: 0 as const, publishers: 4, seconds, persistentSubscriber: false };
  const aedes = await fanIn('aedes', opts);
  const core = await fanIn('relaymq-noacl', opts);
  const full = await fanIn('relaymq-memory', opts);
  console.log(`QoS 0 fan-in, 4 publishers → 1 subscriber, ${seconds} s:`);
  console.log(`  bare Aedes                            ${aedes.rate.toFixed(0)} msg/s (baseline 1.00)`);
  console.log(`  relaymq: counters, stats, sessions    ${core.rate.toFixed(0)} msg/s (${(core.rate / aedes.rate).toFixed(2)}× Aedes)`);
  console.log(`  relaymq defaults (+ rmqtt-acl rules)  ${full.rate.toFixed(0)} msg/s (${(full.rate / aedes.rate).toFixed(2)}× Aedes)`);
}
