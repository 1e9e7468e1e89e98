// rmqtt-http-api: the /api/v2 HTTP management API as a plugin. Reload applies max_row_limit,
// http_bearer_token, http_request_log and message_expiry_interval at once (handlers read the
// settings per request) and rebinds the listener when http_laddr changes. Like RMQTT's, it
// cannot be unloaded through itself: stop() answers false and the API keeps serving.
// RELAYMQ_HTTP_BEARER_TOKEN, when set, is the token whatever the file says (for containers).
import { definePlugin } from '../plugin.ts';
import { listenAddr, duration } from '../../config/schema.ts';
import { createBackend, type ApiBackend } from '../../api/backend.ts';
import { startHttpApi, type HttpApi, type ListenerOptions } from '../../api/server.ts';
import { parseDurationMs } from '../../util/time.ts';
import { handlers } from '../../api/handlers.ts';
import { specDocument } from '../../api/spec.ts';
import type { Document } from 'openapi-backend';
import { tlsOptions } from '../../broker/tls.ts';
import { resolve } from 'node:path';

export interface HttpApiConfig {
  workers: number;
  max_row_limit: number;
  http_laddr: string;
  http_request_log: boolean;
  http_bearer_token?: string;
  message_expiry_interval: string;
  /** Connections the API accepts at once (more are refused and logged). */
  max_connections: number;
  /** A request's headers must arrive within this (408 after), and the whole request within the other. */
  http_headers_timeout: string;
  http_request_timeout: string;
  /** Whether /health and /health/ready need the token (and loopback) like everything else. */
  health_requires_token: boolean;
  /** Whether /openapi.json, /openapi.yaml and the /docs page need the token (and loopback) like everything else. */
  docs_requires_token: boolean;
  /** HTTPS: certificate and key files (PEM, relative to the plugin folder); both or neither. */
  http_tls_cert?: string;
  http_tls_key?: string;
}

export default definePlugin<HttpApiConfig>({
  name: 'rmqtt-http-api',
  version: '0.1.0',
  descr: 'The /api/v2 HTTP management API',
  immutable: false,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      workers: { type: 'integer', minimum: 1, maximum: 1024, default: 1 },
      max_row_limit: { type: 'integer', minimum: 1, default: 10000 },
      http_laddr: { ...listenAddr, default: '0.0.0.0:6060' },
      http_request_log: { type: 'boolean', default: false },
      http_bearer_token: { type: 'string', minLength: 1 },
      message_expiry_interval: { ...duration, default: '5m' },
      max_connections: { type: 'integer', minimum: 1, maximum: 65535, default: 256 },
      http_headers_timeout: { ...duration, default: '10s' },
      http_request_timeout: { ...duration, default: '30s' },
      health_requires_token: { type: 'boolean', default: false },
      docs_requires_token: { type: 'boolean', default: false },
      http_tls_cert: { type: 'string', minLength: 1 },
      http_tls_key: { type: 'string', minLength: 1 },
    },
    dependentRequired: { http_tls_cert: ['http_tls_key'], http_tls_key: ['http_tls_cert'] },
  },
  create(ctx) {
    let settings: HttpApiConfig;
    let backend: ApiBackend | undefined;
    let http: HttpApi | undefined;
    // Read once: process.env is a lookup in the C environment on every access, and every request asks.
    const envToken = process.env.RELAYMQ_HTTP_BEARER_TOKEN || undefined;
    const apiContext = () => ({
      cluster: ctx.cluster, settings: () => settings, log: ctx.log, endpoints: backend!.endpoints,
      bearerToken: () => envToken ?? settings.http_bearer_token,
      maxTopicFiltersPerSubscribe: ctx.config.broker.mqtt.max_topic_filters_per_subscribe,
    });
    return {
      async start(config) {
        settings = config;
        backend ??= await createBackend(specDocument() as unknown as Document, handlers);
        http = await startHttpApi(backend, apiContext(), listenerOptions(config, ctx.config.broker.plugins.dir));
        ctx.services.http = http;
      },
      async stop() {
        return false;
      },
      async reload(config) {
        const previous = http!;
        const options = listenerOptions(config, ctx.config.broker.plugins.dir); // a bad certificate file → old config stays
        if (config.http_laddr !== settings.http_laddr || Boolean(options.tls) !== Boolean(previous.tls)) {
          http = await startHttpApi(backend!, apiContext(), options); // fails → old listener stays
          ctx.services.http = http;
          // Let the reload request that is being answered on the old listener finish.
          setImmediate(() => void previous.close(true));
        } else if (options.tls) {
          (previous.server as import('node:https').Server).setSecureContext(options.tls); // new certificates
        }
        settings = config;
      },
      attrs() {
        return http ? { port: http.port, max_row_limit: settings.max_row_limit } : null;
      },
    };
  },
});

function listenerOptions(c: HttpApiConfig, dir: string): ListenerOptions {
  const file = (f: string) => resolve(dir, f);
  return {
    laddr: c.http_laddr, maxConnections: c.max_connections,
    headersTimeoutMs: parseDurationMs(c.http_headers_timeout), requestTimeoutMs: parseDurationMs(c.http_request_timeout),
    ...(c.http_tls_cert && c.http_tls_key
      ? { tls: tlsOptions({ cert: file(c.http_tls_cert), key: file(c.http_tls_key) }, (k) => `rmqtt-http-api: http_tls_${k}`) } : {}),
  };
}
