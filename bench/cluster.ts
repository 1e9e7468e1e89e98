// The cluster benchmark: relaymq alone against the same relaymq as node 1 of a three-node cluster
// on a real redis-server (started here on a free port, append-only file on as in production),
// in the same run: fan-in with every client on node 1, and QoS 1 latency with the subscriber on
// node 2 and the publisher on node 1 (against both on one node alone).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startBroker, waitForPort, type RunningBroker } from './brokers.ts';
import { fanIn, latency } from './mqtt.ts';

export interface ClusterResults {
  fanIn: Record<0 | 1, { alone: number; cluster: number }>;
  latency: { alone: { p50: number; p99: number }; crossNode: { p50: number; p99: number } };
}

export async function benchCluster(seconds: number, log: (msg: string) => void): Promise<ClusterResults> {
  const fan = { 0: { alone: 0, cluster: 0 }, 1: { alone: 0, cluster: 0 } };
  log('cluster: relaymq alone');
  const alone = await startBroker('relaymq');
  let aloneLatency;
  try {
    for (const qos of [0, 1] as const) fan[qos].alone = (await fanIn(alone, qos, seconds)).rate;
    aloneLatency = await latency(alone, seconds);
  } finally {
    await alone.stop();
  }
  const redis = await startRedisServer();
  const nodes: RunningBroker[] = [];
  try {
    log('cluster: three nodes on Redis');
    for (const id of [1, 2, 3]) {
      nodes.push(await startBroker('relaymq', { node: { id, name: `${id}@bench` }, cluster: { type: 'redis', redis_url: redis.url } }));
    }
    await new Promise((r) => setTimeout(r, 1500)); // every node sees the others
    for (const qos of [0, 1] as const) fan[qos].cluster = (await fanIn(nodes[0], qos, seconds)).rate;
    const crossNode = await latency(nodes[1], seconds, 1000, nodes[0]);
    return { fanIn: fan, latency: { alone: aloneLatency, crossNode } };
  } finally {
    for (const n of nodes) await n.stop();
    redis.stop();
  }
}

async function startRedisServer(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'], { stdio: 'ignore' });
  await waitForPort(port);
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}
