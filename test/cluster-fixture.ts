// The fixture of the cluster tests (cluster.test.ts, cluster-failures.test.ts): a real
// redis-server and relaymq processes started as an operator starts them, and the API and MQTT
// clients the tests observe them with. Every wait is bounded.
import { before, after } from 'node:test';
import type { MqttClient } from 'mqtt';
import { Redis } from 'ioredis';
import { connectMqtt, waitFor } from './helpers.ts';
import { newDataDir, processConfig, spawnRelay, type RelayProcess } from './process.ts';
import { startRedis, type RedisServer } from './redis.ts';
import { Keys, decodeRecord } from '../src/persistence/codec.ts';

/** The bound for reporting a dead node (and publishing its wills). */
export const DEAD_NODE_BOUND_MS = 15_000;

export function nodeConfig(id: number, redis: RedisServer, name = `${id}@cluster-test`): string {
  return processConfig(newDataDir(), `[node]\nid = ${id}\nname = "${name}"\n[cluster]\ntype = "redis"\nredis_url = "${redis.url}"\n`);
}

export const mqttUrl = (n: RelayProcess) => `mqtt://127.0.0.1:${n.ports.mqtt}`;
export const running = (n: RelayProcess) => n.child.exitCode === null && n.child.signalCode === null;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** fetch, tried twice: a kept-alive socket the server has just closed fails the first try. */
export async function request(n: RelayProcess, path: string, init?: RequestInit): Promise<Response> {
  const url = `http://127.0.0.1:${n.ports.http}/api/v2${path}`;
  return fetch(url, init).catch(() => fetch(url, init)).catch((e: Error) => {
    // Say why: a node that exited shows its last lines.
    const state = running(n) ? 'running' : `exited (${n.child.exitCode ?? n.child.signalCode})`;
    throw new Error(`${path}: ${e.message}; the node is ${state}:\n${n.output().slice(-1500)}`);
  });
}

export async function api(n: RelayProcess, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const r = await request(n, path, init);
  return { status: r.status, body: await r.json() };
}

/** Every node lists every other as running (registrations are read once a second). */
export async function clusterFormed(nodes: RelayProcess[]): Promise<void> {
  for (const n of nodes) {
    await waitFor(async () => {
      const { body } = await api(n, '/nodes');
      return body.data.filter((x: any) => x.running).length === nodes.length;
    }, 10_000, 'every node sees the others');
  }
}

/**
 * Starts Redis and three nodes before the suite's tests and stops them (and every client made by
 * the returned `connect`) after. `use` gets the server and the node list (tests may add nodes to it).
 */
export function useCluster(use: (redis: RedisServer, nodes: RelayProcess[]) => void) {
  let redis: RedisServer;
  let nodes: RelayProcess[] = [];
  const clients: MqttClient[] = [];
  before(async () => {
    redis = await startRedis();
    nodes = await Promise.all([1, 2, 3].map((id) => spawnRelay(nodeConfig(id, redis))));
    await clusterFormed(nodes);
    use(redis, nodes);
  });
  after(async () => {
    for (const c of clients) c.end(true);
    for (const n of nodes) if (running(n)) n.child.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.exited));
    await redis.stop();
  });
  return async (n: RelayProcess, opts: Parameters<typeof connectMqtt>[1] = {}) => {
    const c = await connectMqtt(mqttUrl(n), { reconnectPeriod: 0, ...opts });
    c.on('error', () => {}); // a client of a node a test kills
    clients.push(c);
    return c;
  };
}

/**
 * Waits until the stored session records of `clientids` list `filter` among their shared
 * groups. A node then knows them as members once it has applied the log, as it has after any
 * CONNECT made to it from now on.
 */
export async function membershipsStored(redis: RedisServer, clientids: string[], filter: string): Promise<void> {
  const r = new Redis(redis.url);
  try {
    await waitFor(async () => {
      const records = await r.hmgetBuffer('relaymq:state', ...clientids.map((id) => Keys.session(id)));
      return records.every((v) => v && (decodeRecord(v).fields.shared as Record<string, unknown> | undefined)?.[filter]);
    }, 5000, `the memberships of ${clientids} stored`);
  } finally {
    r.disconnect();
  }
}
