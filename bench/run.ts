// `npm run bench`: the benchmark suite. Each MQTT scenario runs against bare Aedes (the same
// version relaymq runs on), relaymq with its default config and with the memory store, and
// Mosquitto when installed, in the same run; results print as one markdown table of ratios
// against bare Aedes (`--write` also saves it to docs/benchmarks.md with machine and versions).
//   npm run bench                                  # everything, 5 s per scenario, 10k sessions
//   npm run bench -- mqtt --seconds 10 --rounds 5  # some groups: mqtt, api, http, startup, persistence, prometheus, cluster
//   npm run bench -- api --sessions 100000         # the API at the scale
// Progress goes to stderr; every loop is bounded in time and count.
//
// The client is the same for every broker, and it must not be what limits the rates: it quietens
// its packages' `debug` loggers as relaymq does (mqtt.js and mqtt-packet call them several times
// per packet). With them on, the client took 30–38 µs of CPU per QoS 1 message, more than any
// broker, and every broker's rate was the client's.
import '../src/util/quiet-debug.ts';
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { startBroker, mosquittoInstalled, type BrokerKind, type RunningBroker } from './brokers.ts';
import { fanIn, fanOut, latency, connections } from './mqtt.ts';
import { apiAtScale, API_PATHS } from './api-scale.ts';
import { benchHttp } from './http.ts';
import { benchPrometheus } from './prometheus.ts';
import { benchStartup } from './startup.ts';
import { benchCluster } from './cluster.ts';
import { median } from './percentiles.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string', default: '5' }, sessions: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '3' },
    write: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const rounds = Math.max(1, Math.min(9, Number(values.rounds)));
const sessions = Number(values.sessions);
const groups = positionals.length ? positionals : ['mqtt', 'api', 'http', 'startup'];
const log = (msg: string) => process.stderr.write(`${msg}\n`);

// Every broker process runs the compiled code, as `npm start` does: build it from the sources.
log('npm run build');
const build = spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

const kinds: BrokerKind[] = ['aedes', 'relaymq', 'relaymq-memory', ...(mosquittoInstalled ? ['mosquitto' as const] : [])];
const sections: string[] = [];

/**
 * Runs `measure` on a fresh broker of each kind, `rounds` times with the kinds taking turns (so
 * that a slow minute of this shared machine hits them all); returns each figure's median by kind.
 */
async function perBroker<T extends { [key: string]: number }>(name: string, measure: (b: RunningBroker) => Promise<T>, only: BrokerKind[] = kinds): Promise<Map<BrokerKind, T>> {
  const runs = new Map<BrokerKind, T[]>(only.map((k) => [k, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const kind of only) {
      log(`${name}: ${kind} (round ${round}/${rounds})`);
      const b = await startBroker(kind);
      try {
        runs.get(kind)!.push(await measure(b));
      } finally {
        await b.stop();
      }
    }
  }
  return new Map([...runs].map(([kind, rs]) => [kind, medianOf(rs)]));
}

function medianOf<T extends { [key: string]: number }>(rs: T[]): T {
  const out: Record<string, number> = {};
  for (const key of Object.keys(rs[0])) out[key] = median(rs.map((r) => r[key]));
  return out as T;
}

const ratio = (v: number, base: number) => `${fmt(v)} (${(v / base).toFixed(2)}×)`;
function fmt(v: number): string {
  if (!Number.isFinite(v)) return '–';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

if (groups.includes('mqtt')) {
  const rows: string[][] = [];
  const row = (label: string, values: Map<BrokerKind, number>, target: string) => {
    const base = values.get('aedes')!;
    rows.push([label, ...kinds.map((k) => (k === 'aedes' ? fmt(base) : values.has(k) ? ratio(values.get(k)!, base) : '–')), target]);
  };
  for (const qos of [0, 1, 2] as const) {
    const r = await perBroker(`QoS ${qos} fan-in`, (b) => fanIn(b, qos, seconds));
    row(`QoS ${qos} fan-in, 4 pub → 1 sub, msg/s`, new Map([...r].map(([k, v]) => [k, v.rate])), qos === 0 ? '≥ 0.9×' : qos === 1 ? '≥ 0.8× (memory ≥ 1.0×)' : '');
    row(`  broker CPU µs per message`, new Map([...r].map(([k, v]) => [k, v.cpuUsPerMsg])), '');
  }
  const fo = await perBroker('QoS 0 fan-out', (b) => fanOut(b, seconds));
  row('QoS 0 fan-out, 1 pub → 50 subs, deliveries/s', new Map([...fo].map(([k, v]) => [k, v.rate])), '≥ 0.95×');
  const lat = await perBroker('QoS 1 latency', (b) => latency(b, seconds));
  row('QoS 1 latency at 1000 msg/s, p50 ms', new Map([...lat].map(([k, v]) => [k, v.p50])), '');
  row('QoS 1 latency at 1000 msg/s, p99 ms', new Map([...lat].map(([k, v]) => [k, v.p99])), '');
  const conns = await perBroker('connections', (b) => connections(b));
  row('connections/s, 5000 in batches of 100', new Map([...conns].map(([k, v]) => [k, v.rate])), '≥ 0.9×');
  row('RSS per idle connection, kB (1 s after, garbage included)', new Map([...conns].map(([k, v]) => [k, v.rssPerConn / 1024])), '≤ 8 kB');
  row('RSS per idle connection, kB (after a full GC)', new Map([...conns].map(([k, v]) => [k, v.rssPerConnAfterGc / 1024])), '≤ 8 kB');
  row('RSS per idle connection, kB (after a full GC, 1000 → 5000 connections)', new Map([...conns].map(([k, v]) => [k, v.rssPerExtraConn / 1024])), '≤ 8 kB');
  sections.push(['## MQTT (ratios against bare Aedes)', '',
    `| scenario | ${kinds.map((k) => (k === 'aedes' ? 'bare Aedes' : k)).join(' | ')} | target |`,
    `|---|${kinds.map(() => '---:').join('|')}|---|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n'));
}

if (groups.includes('api')) {
  log(`API at ${sessions} sessions (populating over MQTT)`);
  const b = await startBroker('relaymq');
  try {
    const r = await apiAtScale(b, sessions);
    const targets: Record<string, string> = {
      '/api/v2/stats/sum': '20', '/api/v2/metrics/prometheus': '20', '/api/v2/nodes': '20', '/api/v2/clients/s-7': '1',
      '/api/v2/clients?clientid=s-7': '1', '/api/v2/subscriptions?_match_topic=q/7': '5',
      '/api/v2/clients?_like_clientid=s-99&_limit=100': '50', '/api/v2/clients?_gte_mqueue_len=5&_limit=100': '50',
    };
    sections.push([`## HTTP API at ${sessions} offline sessions × 5 queued messages, ${Math.ceil(sessions / 50)} live clients (relaymq defaults)`, '',
      'Each request alternates with one to a bare node:http server answering the same body (the machine\'s floor).', '',
      '| request | p50 ms | p99 ms | bare node:http p50 ms | bare node:http p99 ms | target p99 ms |', '|---|---:|---:|---:|---:|---:|',
      ...API_PATHS.map((p) => `| \`GET ${p.replace('/api/v2', '')}\` | ${fmt(r[p].relaymq.p50)} | ${fmt(r[p].relaymq.p99)} | ${fmt(r[p].bare.p50)} | ${fmt(r[p].bare.p99)} | ≤ ${targets[p]} |`)].join('\n'));
  } finally {
    await b.stop();
  }
}

if (groups.includes('http')) {
  const r = await benchHttp();
  sections.push(['## HTTP API throughput (autocannon, 16 connections; median of 3 rounds taking turns)', '', '| request | bare node:http req/s | relaymq req/s | target |', '|---|---:|---:|---|',
    ...Object.entries(r).map(([path, v]) => `| \`GET ${path}\` | ${fmt(v.raw)} | ${ratio(v.relaymq, v.raw)} | ≥ 0.6× |`)].join('\n'));
}
if (groups.includes('startup')) {
  const r = await benchStartup(log);
  sections.push(['## Start-up: spawn to the first ready answer (median of 5)', '', '| process | wall ms | CPU ms | target |', '|---|---:|---:|---|',
    `| bare node:http server | ${fmt(r.bare.wallMs)} | ${fmt(r.bare.cpuMs)} | |`,
    `| bare Aedes (in memory) and a node:http server | ${ratio(r.aedes.wallMs, r.bare.wallMs)} | ${ratio(r.aedes.cpuMs, r.bare.cpuMs)} | |`,
    `| relaymq (\`npm start\`, defaults) | ${ratio(r.relaymq.wallMs, r.bare.wallMs)} | ${ratio(r.relaymq.cpuMs, r.bare.cpuMs)} | CPU well under 1000 ms |`].join('\n'));
}
if (groups.includes('persistence')) {
  // The regression benchmark of QoS 1 with the store in the path: a persistent subscriber.
  const r = await perBroker('QoS 1 fan-in to a persistent subscriber', (b) => fanIn(b, 1, seconds, { persistent: true }), ['relaymq-memory', 'relaymq']);
  const memory = r.get('relaymq-memory')!.rate;
  sections.push(['## QoS 1 fan-in to a persistent subscriber (4 pub → 1 sub)', '', '| store | msg/s | broker CPU µs/msg |', '|---|---:|---:|',
    `| memory | ${fmt(memory)} (1.00×) | ${fmt(r.get('relaymq-memory')!.cpuUsPerMsg)} |`,
    `| LevelDB (default) | ${ratio(r.get('relaymq')!.rate, memory)} | ${fmt(r.get('relaymq')!.cpuUsPerMsg)} |`].join('\n'));
}
if (groups.includes('prometheus')) await benchPrometheus();
if (groups.includes('cluster')) {
  const r = await benchCluster(seconds, log);
  sections.push(['## Cluster on Redis: one node alone against the same node in a three-node cluster', '',
    '| measure | relaymq alone | node 1 of 3 (Redis) |', '|---|---:|---:|',
    `| QoS 0 fan-in, 4 pub → 1 sub on node 1, msg/s | ${fmt(r.fanIn[0].alone)} | ${ratio(r.fanIn[0].cluster, r.fanIn[0].alone)} |`,
    `| QoS 1 fan-in, 4 pub → 1 sub on node 1, msg/s | ${fmt(r.fanIn[1].alone)} | ${ratio(r.fanIn[1].cluster, r.fanIn[1].alone)} |`,
    `| QoS 1 latency at 1000 msg/s, p50 ms (cluster: publisher on node 1, subscriber on node 2) | ${fmt(r.latency.alone.p50)} | ${ratio(r.latency.crossNode.p50, r.latency.alone.p50)} |`,
    `| QoS 1 latency at 1000 msg/s, p99 ms (same) | ${fmt(r.latency.alone.p99)} | ${ratio(r.latency.crossNode.p99, r.latency.alone.p99)} |`].join('\n'));
}

const versions = () => {
  const mosq = mosquittoInstalled ? String(spawnSync('mosquitto', ['-h']).stdout).split('\n')[0] : 'not installed';
  return `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${mosq}. ` +
    `${seconds} s per scenario; MQTT figures are the median of ${rounds} rounds in which the brokers take turns; the client is mqtt.js in one process for every broker, its debug loggers quietened (see run.ts).`;
};
const report = [`# Benchmarks`, '', versions(), '', ...sections.flatMap((s) => [s, ''])].join('\n');
console.log(`\n${report}`);
if (values.write) writeFileSync('docs/benchmarks.md', report);
