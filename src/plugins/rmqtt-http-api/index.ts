// rmqtt-http-api: the /api/v2 HTTP management API as a plugin. Reload applies max_row_limit,
// http_bearer_token, http_request_log and message_expiry_interval at once (handlers read the
// settings per request) and rebinds the listener when http_laddr changes. Like RMQTT's, it
// cannot be unloaded through itself: stop() answers false and the API keeps serving.
import { definePlugin } from '../plugin.ts';
import { listenAddr, duration } from '../../config/schema.ts';
import { createBackend, type ApiBackend } from '../../api/backend.ts';
import { startHttpApi, type HttpApi } from '../../api/server.ts';
import { handlers } from '../../api/handlers.ts';
import { SPEC_PATH } from '../../api/spec.ts';

export interface HttpApiConfig {
  workers: number;
  max_row_limit: number;
  http_laddr: string;
  http_request_log: boolean;
  http_bearer_token?: string;
  message_expiry_interval: string;
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
    },
  },
  create(ctx) {
    let settings: HttpApiConfig;
    let backend: ApiBackend | undefined;
    let http: HttpApi | undefined;
    const apiContext = () => ({ cluster: ctx.cluster, settings: () => settings, log: ctx.log, endpoints: backend!.endpoints });
    return {
      async start(config) {
        settings = config;
        backend ??= await createBackend(SPEC_PATH, handlers, () => settings.http_bearer_token);
        http = await startHttpApi(backend, apiContext(), config.http_laddr);
        ctx.services.http = http;
      },
      async stop() {
        return false;
      },
      async reload(config) {
        const previous = http!;
        if (config.http_laddr !== settings.http_laddr) {
          http = await startHttpApi(backend!, apiContext(), config.http_laddr); // fails → old listener stays
          ctx.services.http = http;
          // Let the reload request that is being answered on the old listener finish.
          setImmediate(() => void previous.close(true));
        }
        settings = config;
      },
      attrs() {
        return http ? { port: http.port, max_row_limit: settings.max_row_limit } : null;
      },
    };
  },
});
