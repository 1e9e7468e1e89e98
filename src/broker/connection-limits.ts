// Connection caps of the listeners, kept below the process's file-descriptor limit: a flood of
// connections on one listener must not take the descriptors the others, the HTTP API (its own
// cap, `max_connections` in rmqtt-http-api.toml) and the store need. When the MQTT listeners'
// caps add up to more than the limit allows, they are scaled down together and logged.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import type { Logger } from '../util/log.ts';

/** Descriptors kept for the HTTP API (256 connections by default), the store, logs and outgoing requests. */
const RESERVED_FDS = 512;
/** At most one "connection limit reached" line per listener in this many ms. */
const LOG_EVERY_MS = 10_000;

export interface ConnectionCaps { tcp: number; ws: number }

/** The soft limit on open files, or undefined where it cannot be read (not Linux). */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function effectiveCaps(configured: ConnectionCaps, fdLimit: number | undefined, log: Logger): ConnectionCaps {
  const total = configured.tcp + configured.ws;
  if (fdLimit === undefined || total + RESERVED_FDS <= fdLimit) return configured;
  const scale = Math.max(0, fdLimit - RESERVED_FDS) / total;
  const caps = {
    tcp: Math.max(1, Math.floor(configured.tcp * scale)),
    ws: Math.max(1, Math.floor(configured.ws * scale)),
  };
  log.warn({ fdLimit, configured, effective: caps },
    'connection caps exceed the open-file limit: scaled down (raise `ulimit -n` or lower listener.*.max_connections)');
  return caps;
}

/** Caps a server's connections and logs (rate-limited) when new ones are refused. */
export function capConnections(server: Server, max: number, name: string, log: Logger): void {
  server.maxConnections = max;
  let refused = 0;
  let last = 0;
  server.on('drop', () => {
    refused++;
    const now = Date.now();
    if (now - last < LOG_EVERY_MS) return;
    log.warn({ listener: name, max_connections: max, refused }, 'connection limit reached: refusing new connections');
    last = now;
    refused = 0;
  });
}
