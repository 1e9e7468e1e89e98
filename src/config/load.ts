// Reads etc/relaymq.toml and the plugin files next to it, validates them against their JSON
// Schemas and turns any problem into one ConfigError line naming the file, key and problem.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { hostname } from 'node:os';
import { parse as parseToml } from 'smol-toml';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { listenAddr } from './schema.ts';
import compiledValidator from '../../generated/config-validator.ts';
import { parseDurationSeconds } from '../util/time.ts';
import { splitAddr } from '../util/addr.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Certificate files of a TLS listener, as absolute paths once loaded. */
export interface TlsListenerFiles { cert: string; key: string; ca?: string; verify_peer: boolean; use_cn_as_username: boolean }

export interface BrokerConfig {
  node: { id: number; name: string };
  listener: {
    tcp: { enable: boolean; addr: string; max_connections: number };
    ws: { enable: boolean; addr: string; path: string; max_connections: number };
    tls: { enable: boolean; addr: string; max_connections: number } & TlsListenerFiles;
    wss: { enable: boolean; addr: string; path: string; max_connections: number } & TlsListenerFiles;
  };
  mqtt: {
    max_inflight: number;
    max_mqueue_len: number;
    max_subscriptions: number;
    session_expiry_interval: string;
    max_clientid_len: number;
    max_keepalive: number;
    shared_subscription_strategy: 'round_robin' | 'random';
    max_packet_size: number;
    max_topic_filters_per_subscribe: number;
    receive_maximum: number;
    max_topic_alias: number;
    server_keep_alive: number;
    max_qos_allowed: 0 | 1 | 2;
    retain_available: boolean;
    wildcard_subscription_available: boolean;
    subscription_identifier_available: boolean;
    shared_subscription_available: boolean;
    response_information: string;
  };
  persistence: { type: 'level' | 'memory'; data_dir: string; sync: boolean; repair: boolean };
  /** `none`: one node; `redis`: nodes share sessions, retained messages and a message bus through Redis. */
  cluster: { type: 'none' | 'redis'; redis_url: string };
  plugins: { dir: string; default_startups: string[] };
  log: { level: string };
}

export interface Config {
  /** The file the config came from (or "<defaults>"); relative paths resolve from its folder. */
  file: string;
  broker: BrokerConfig;
  /** Values that replace those of etc/plugins/<name>.toml, by plugin (tests, embedders). */
  pluginOverrides: Record<string, Record<string, unknown>>;
}

// brokerConfigSchema (schema.ts), compiled ahead of time by scripts/generate-validators.ts: fills in
// defaults, stops at the first error. The tests check the schema against the meta-schema.
const validateBroker = compiledValidator as unknown as ValidateFunction;

/** One line naming the file, the key and the problem, from an Ajv error. */
export function describeConfigError(file: string, err: ErrorObject): string {
  const key = err.instancePath.slice(1).replaceAll('/', '.');
  if (err.keyword === 'additionalProperties') {
    const extra = (err.params as { additionalProperty: string }).additionalProperty;
    return `${file}: unknown key '${key ? key + '.' : ''}${extra}'`;
  }
  if (err.keyword === 'enum') {
    const allowed = (err.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
    return `${file}: key '${key}' must be one of ${allowed}`;
  }
  if (err.keyword === 'pattern' && (err.params as { pattern: string }).pattern === listenAddr.pattern) {
    return `${file}: key '${key}' must be "host:port" with a port from 0 to 65535`;
  }
  return `${file}: key '${key || '(root)'}' ${err.message}`;
}

export function readToml(file: string, required: boolean): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`${file}: cannot read: ${(e as Error).message}`);
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (e) {
    const where = (e as { line?: number; column?: number }).line ? ` at line ${(e as { line: number }).line}, column ${(e as { column: number }).column}` : '';
    throw new ConfigError(`${file}: invalid TOML${where}: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * Loads the broker config. `file` undefined means built-in defaults only (plugin files are
 * then looked up in ./etc/plugins). `overrides` lets tests and embedders replace values
 * before validation, e.g. ephemeral ports; `httpApi` is short for the rmqtt-http-api plugin.
 * Plugin files are read and validated by the PluginManager when a plugin loads.
 */
export function loadConfig(file?: string, overrides: {
  broker?: Record<string, unknown>; httpApi?: Record<string, unknown>; plugins?: Record<string, Record<string, unknown>>;
} = {}): Config {
  const path = file ? resolve(file) : '<defaults>';
  const raw = file ? readToml(path, true) : {};
  const merged = deepMerge(raw, overrides.broker ?? {});
  if (!validateBroker(merged)) throw new ConfigError(describeConfigError(path, validateBroker.errors![0]));
  const broker = merged as unknown as BrokerConfig;
  broker.node.name ??= `${broker.node.id}@${hostname()}`;
  try {
    parseDurationSeconds(broker.mqtt.session_expiry_interval);
  } catch (e) {
    throw new ConfigError(`${path}: key 'mqtt.session_expiry_interval' ${(e as Error).message}`);
  }
  const base = file ? dirname(path) : resolve('etc');
  broker.plugins.dir = resolve(base, broker.plugins.dir);
  for (const name of ['tls', 'wss'] as const) checkTlsListener(path, base, name, broker.listener[name]);
  checkDistinctPorts(path, broker.listener);
  // The data directory is relative to the working directory, like RMQTT's and Mosquitto's.
  broker.persistence.data_dir = resolve(broker.persistence.data_dir);

  const pluginOverrides = { ...overrides.plugins };
  if (overrides.httpApi) pluginOverrides['rmqtt-http-api'] = { ...pluginOverrides['rmqtt-http-api'], ...overrides.httpApi };
  return { file: path, broker, pluginOverrides };
}

/** Two enabled listeners cannot share a port (port 0 picks a free one for each). */
function checkDistinctPorts(path: string, listeners: BrokerConfig['listener']): void {
  const seen = new Map<number, string>();
  for (const [name, l] of Object.entries(listeners)) {
    if (!l.enable) continue;
    const { port } = splitAddr(l.addr);
    if (port === 0) continue;
    const other = seen.get(port);
    if (other) throw new ConfigError(`${path}: keys 'listener.${other}.addr' and 'listener.${name}.addr' both use port ${port}`);
    seen.set(port, name);
  }
}

/** An enabled TLS listener needs its certificate and key; CN as username needs verified certificates. */
function checkTlsListener(path: string, base: string, name: string, l: BrokerConfig['listener']['tls']): void {
  for (const key of ['cert', 'key', 'ca'] as const) if (l[key] !== undefined) l[key] = resolve(base, l[key]);
  if (!l.enable) return;
  for (const key of ['cert', 'key'] as const) {
    if (l[key] === undefined) throw new ConfigError(`${path}: key 'listener.${name}.${key}' is required when listener.${name}.enable is true`);
  }
  if (l.use_cn_as_username && !l.verify_peer) {
    throw new ConfigError(`${path}: key 'listener.${name}.use_cn_as_username' needs listener.${name}.verify_peer = true (and a ca)`);
  }
  if (l.verify_peer && l.ca === undefined) throw new ConfigError(`${path}: key 'listener.${name}.ca' is required when listener.${name}.verify_peer is true`);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
