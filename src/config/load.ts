// Reads etc/relaymq.toml and the plugin files next to it, validates them against their JSON
// Schemas and turns any problem into one ConfigError line naming the file, key and problem.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { hostname } from 'node:os';
import { parse as parseToml } from 'smol-toml';
import { Ajv, type ErrorObject } from 'ajv';
import { brokerConfigSchema } from './schema.ts';
import { parseDurationSeconds } from '../util/time.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface BrokerConfig {
  node: { id: number; name: string };
  listener: {
    tcp: { enable: boolean; addr: string; max_connections: number };
    ws: { enable: boolean; addr: string; path: string; max_connections: number };
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
  };
  persistence: { type: 'level' | 'memory'; data_dir: string; sync: boolean; repair: boolean };
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

const ajv = new Ajv({ useDefaults: true, allErrors: false, strict: true });
const validateBroker = ajv.compile(brokerConfigSchema);

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
    throw new ConfigError(`${file}: invalid TOML: ${(e as Error).message.split('\n')[0]}`);
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
  // The data directory is relative to the working directory, like RMQTT's and Mosquitto's.
  broker.persistence.data_dir = resolve(broker.persistence.data_dir);

  const pluginOverrides = { ...overrides.plugins };
  if (overrides.httpApi) pluginOverrides['rmqtt-http-api'] = { ...pluginOverrides['rmqtt-http-api'], ...overrides.httpApi };
  return { file: path, broker, pluginOverrides };
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
