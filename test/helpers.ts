// Shared test fixtures: a real relaymq on ephemeral 127.0.0.1 ports, real HTTP requests and
// real mqtt.js clients. Every wait is bounded.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { loadConfig } from '../src/config/load.ts';
import { startRelayMQ, type RelayMQ } from '../src/app.ts';
import type { Logger } from '../src/util/log.ts';

export interface TestOverrides {
  broker?: Record<string, unknown>;
  httpApi?: Record<string, unknown>;
  /** Plugin config files to write into a fresh plugin folder, by plugin name (TOML text). */
  pluginFiles?: Record<string, string>;
  log?: Logger;
}

export async function startTestRelay(o: TestOverrides = {}): Promise<RelayMQ> {
  const dataDir = mkdtempSync(join(tmpdir(), 'relaymq-test-'));
  let pluginDir: string | undefined;
  if (o.pluginFiles) {
    pluginDir = mkdtempSync(join(tmpdir(), 'relaymq-plugins-'));
    for (const [name, text] of Object.entries(o.pluginFiles)) writeFileSync(join(pluginDir, `${name}.toml`), text);
  }
  const config = loadConfig(undefined, {
    broker: deepMerge({
      listener: { tcp: { addr: '127.0.0.1:0' }, ws: { addr: '127.0.0.1:0' } },
      persistence: { data_dir: dataDir },
      ...(pluginDir ? { plugins: { dir: pluginDir } } : {}),
    }, o.broker ?? {}),
    // A test that brings its own rmqtt-http-api file (to reload it) sets http_laddr there.
    httpApi: o.pluginFiles?.['rmqtt-http-api'] ? o.httpApi : { http_laddr: '127.0.0.1:0', ...o.httpApi },
  });
  return startRelayMQ(config, o.log ?? pino({ level: 'silent' }));
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const p = out[k];
    out[k] = p && typeof p === 'object' && v && typeof v === 'object' && !Array.isArray(v)
      ? deepMerge(p as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  json: any;
}

/** One real HTTP request to the relay's API. `body` objects are sent as JSON. */
export function http(relay: RelayMQ, method: string, path: string, opts: {
  body?: unknown; raw?: string | Buffer; headers?: Record<string, string>; chunked?: boolean;
} = {}): Promise<HttpReply> {
  const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const headers: Record<string, string> = { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers };
  if (payload !== undefined && !opts.chunked) headers['content-length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: relay.ports.http!, method, path, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode!, headers: res.headers, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error('HTTP request timed out')));
    // The server may answer (413) and close before the whole upload is written: give its
    // answer a moment to arrive before failing (a rejection after the answer changes nothing).
    req.on('error', (e) => {
      const cut = (e as NodeJS.ErrnoException).code === 'EPIPE' || (e as NodeJS.ErrnoException).code === 'ECONNRESET';
      if (cut) setTimeout(() => reject(e), 2000).unref();
      else reject(e);
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** GET and expect a success envelope; returns its data. */
export async function getData(relay: RelayMQ, path: string): Promise<any> {
  const r = await http(relay, 'GET', path);
  if (r.status !== 200 || r.json?.code !== 0) throw new Error(`GET ${path} → ${r.status} ${r.text}`);
  return r.json.data;
}

export async function connectClient(relay: RelayMQ, opts: IClientOptions & { transport?: 'tcp' | 'ws' } = {}): Promise<MqttClient> {
  const url = opts.transport === 'ws'
    ? `ws://127.0.0.1:${relay.ports.ws}${relay.config.broker.listener.ws.path}`
    : `mqtt://127.0.0.1:${relay.ports.mqtt}`;
  return connectMqtt(url, opts);
}

type Received = { topic: string; payload: Buffer; packet: any };

/** Messages kept from the CONNACK on, until collect() takes them (see connectMqtt). */
const early = new WeakMap<MqttClient, () => Received[]>();

/**
 * mqtt.connectAsync, except that the messages arriving with the CONNACK are kept for collect():
 * a resumed session's queued messages often come in the same read as the CONNACK, and mqtt.js
 * emits them before connectAsync's promise lets a test attach its handler.
 */
export function connectMqtt(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  const kept: Received[] = [];
  const keep = (topic: string, payload: Buffer, packet: any) => { kept.push({ topic, payload, packet }); };
  c.on('message', keep);
  early.set(c, () => { c.off('message', keep); early.delete(c); return kept; });
  return new Promise((resolve, reject) => {
    const settle = (fn: () => void) => () => { c.off('connect', onConnect); c.off('end', onConnect); c.off('error', onError); fn(); };
    const onConnect = settle(() => resolve(c));
    const onError = (err: Error) => settle(() => { c.end(); reject(err); })();
    c.on('connect', onConnect);
    c.on('end', onConnect);
    c.on('error', onError);
  });
}

/** Collects messages on a client (from its CONNACK on, if connected by connectMqtt); `next(n)` waits (bounded) until n have arrived. */
export function collect(client: MqttClient) {
  const messages: Received[] = early.get(client)?.() ?? [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload, packet }));
  return {
    messages,
    async next(n: number, timeoutMs = 5000) {
      await waitFor(() => messages.length >= n, timeoutMs, `${n} messages (got ${messages.length})`);
      return messages.slice(0, n);
    },
  };
}

/** Polls `cond` every 20 ms until true, failing after timeoutMs. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The folder holding the relay's plugin files (to rewrite one before a reload). */
export function pluginFile(relay: RelayMQ, name: string): string {
  return join(relay.config.broker.plugins.dir, `${name}.toml`);
}
