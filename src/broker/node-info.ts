// Figures about this node for /brokers and /nodes: identity, uptime, OS load, memory, and the
// disk of the data directory. Everything is read when asked, never cached.
import os from 'node:os';
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { components } from '../../generated/openapi.js';
import { formatDateTime, formatUptime } from '../util/time.ts';
import pkg from '../../package.json' with { type: 'json' };

export type BrokerInfo = components['schemas']['BrokerInfo'];
export type NodeInfo = components['schemas']['NodeInfo'];
export type NodeStatus = components['schemas']['NodeStatus'];

export const VERSION = `relaymq/${pkg.version}`;
export const SYSDESCR = 'relaymq MQTT broker';
/** RMQTT reports its Rust compiler under `rustc_version`; relaymq keeps the key for its clients. */
export const RUNTIME = `node ${process.version}`;

export type NodeListener = components['schemas']['NodeListener'];
export type Health = components['schemas']['Health'];

export interface NodeIdentity {
  id: number;
  name: string;
  startedAt: number;
  dataDir: string;
  /** The MQTT listeners as bound now. */
  listeners(): NodeListener[];
  /** How many MQTT listeners the config enables (all must be up for the node to be ready). */
  enabledListeners: number;
}

/** A probe's answer (/health, /health/ready). */
export function health(node: NodeIdentity, status: 'alive' | 'ready'): Health {
  return { status, node_id: node.id, uptime: formatUptime((Date.now() - node.startedAt) / 1000) };
}

export function brokerInfo(node: NodeIdentity, status: NodeStatus): BrokerInfo {
  return {
    datetime: formatDateTime(Date.now()),
    node_id: node.id,
    node_name: node.name,
    node_status: status,
    running: status === 'Running',
    sysdescr: SYSDESCR,
    uptime: formatUptime((Date.now() - node.startedAt) / 1000),
    version: VERSION,
    rustc_version: RUNTIME,
  };
}

export async function nodeInfo(node: NodeIdentity, status: NodeStatus, connections: number): Promise<NodeInfo> {
  const [load1, load5, load15] = os.loadavg();
  const total = os.totalmem();
  const free = os.freemem();
  const disk = await diskOf(node.dataDir);
  return {
    boottime: formatDateTime(Date.now() - os.uptime() * 1000),
    connections,
    disk_free: disk.free,
    disk_total: disk.total,
    load1, load5, load15,
    memory_free: free,
    memory_total: total,
    memory_used: total - free,
    node_id: node.id,
    node_name: node.name,
    node_status: status,
    running: status === 'Running',
    uptime: formatUptime((Date.now() - node.startedAt) / 1000),
    version: VERSION,
    rustc_version: RUNTIME,
    listeners: node.listeners(),
  };
}

/** Disk of the filesystem holding `dir`; the directory may not exist yet, so walk up to a parent that does. */
async function diskOf(dir: string): Promise<{ free: number; total: number }> {
  let path = resolve(dir);
  for (;;) {
    try {
      const s = await statfs(path);
      return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
    } catch (e) {
      const parent = dirname(path);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) throw e;
      path = parent;
    }
  }
}
