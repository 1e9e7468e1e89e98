// JSON Schemas of the configuration files. They validate what an operator wrote and fill in
// the defaults (Ajv `useDefaults`), so the rest of the code reads a complete, typed config.
import { DURATION_PATTERN } from '../util/time.ts';

/** `host:port`, port 0-65535 (0: any free port). */
export const listenAddr = { type: 'string', pattern: '^.+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$' } as const;
export const duration = { type: 'string', pattern: DURATION_PATTERN } as const;

/** Certificate files of a TLS listener (paths relative to the config file's folder). */
const tlsFiles = {
  cert: { type: 'string', minLength: 1 },
  key: { type: 'string', minLength: 1 },
  ca: { type: 'string', minLength: 1 },
  verify_peer: { type: 'boolean', default: false },
  use_cn_as_username: { type: 'boolean', default: false },
} as const;

const wsPath = { path: { type: 'string', pattern: '^/', default: '/mqtt' } } as const;

/** One [listener.<name>] section: on or off, its address, its connection cap, and its own keys. */
function listener(enable: boolean, addr: string, maxConnections: number, extra: object = {}) {
  return {
    type: 'object', additionalProperties: false, default: {},
    properties: {
      enable: { type: 'boolean', default: enable },
      addr: { ...listenAddr, default: addr },
      max_connections: { type: 'integer', minimum: 1, default: maxConnections },
      ...extra,
    },
  } as const;
}

export const brokerConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    node: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        id: { type: 'integer', minimum: 1, maximum: 4294967295, default: 1 },
        name: { type: 'string', minLength: 1 },
      },
    },
    listener: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        tcp: listener(true, '0.0.0.0:1883', 10000),
        ws: listener(true, '0.0.0.0:8080', 5000, wsPath),
        tls: listener(false, '0.0.0.0:8883', 10000, tlsFiles),
        wss: listener(false, '0.0.0.0:8443', 5000, { ...wsPath, ...tlsFiles }),
      },
    },
    mqtt: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        max_inflight: { type: 'integer', minimum: 1, maximum: 65535, default: 128 },
        max_mqueue_len: { type: 'integer', minimum: 0, default: 1000 },
        max_subscriptions: { type: 'integer', minimum: 0, default: 0 },
        session_expiry_interval: { ...duration, default: '2h' },
        max_clientid_len: { type: 'integer', minimum: 1, maximum: 65535, default: 65535 },
        max_keepalive: { type: 'integer', minimum: 0, maximum: 65535, default: 0 },
        shared_subscription_strategy: { enum: ['round_robin', 'random'], default: 'round_robin' },
        max_packet_size: { type: 'integer', minimum: 64, maximum: 268435455, default: 1048576 },
        max_topic_filters_per_subscribe: { type: 'integer', minimum: 1, maximum: 65535, default: 100 },
        receive_maximum: { type: 'integer', minimum: 1, maximum: 65535, default: 1024 },
        max_topic_alias: { type: 'integer', minimum: 0, maximum: 65535, default: 32 },
        server_keep_alive: { type: 'integer', minimum: 0, maximum: 65535, default: 0 },
        max_qos_allowed: { enum: [0, 1, 2], default: 2 },
        retain_available: { type: 'boolean', default: true },
        wildcard_subscription_available: { type: 'boolean', default: true },
        subscription_identifier_available: { type: 'boolean', default: true },
        shared_subscription_available: { type: 'boolean', default: true },
        response_information: { type: 'string', maxLength: 65535, default: '' },
      },
    },
    persistence: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        type: { enum: ['level', 'memory'], default: 'level' },
        data_dir: { type: 'string', minLength: 1, default: './data' },
        sync: { type: 'boolean', default: false },
        repair: { type: 'boolean', default: false },
      },
    },
    cluster: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        type: { enum: ['none', 'redis'], default: 'none' },
        redis_url: { type: 'string', pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' },
      },
    },
    plugins: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        dir: { type: 'string', minLength: 1, default: './plugins' },
        default_startups: { type: 'array', items: { type: 'string' }, default: ['rmqtt-acl', 'rmqtt-counter', 'rmqtt-http-api'] },
      },
    },
    log: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'warn' },
      },
    },
  },
} as const;
