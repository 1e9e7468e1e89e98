// relaymq assembled: config → Aedes broker and its listeners → Cluster → HTTP API. Used by the
// CLI (src/main.ts) and by the tests, which start real instances on ephemeral ports.
import { createBroker, startListeners, closeListeners, boundPort } from './broker/broker.ts';
import { LocalCluster, LocalNode } from './broker/cluster.ts';
import { createBackend } from './api/backend.ts';
import { startHttpApi, type HttpApi } from './api/server.ts';
import { handlers } from './api/handlers.ts';
import { SPEC_PATH } from './api/spec.ts';
import { createLogger, type Logger } from './util/log.ts';
import type { Config } from './config/load.ts';
import type { Aedes } from 'aedes';

export interface RelayMQ {
  config: Config;
  broker: Aedes;
  log: Logger;
  ports: { mqtt?: number; ws?: number; http: number };
  close(): Promise<void>;
}

export async function startRelayMQ(config: Config, log: Logger = createLogger(config.broker.log.level)): Promise<RelayMQ> {
  const startedAt = Date.now();
  const broker = await createBroker(config.broker, log);
  const node = new LocalNode({ id: config.broker.node.id, name: config.broker.node.name, startedAt, dataDir: config.broker.persistence.data_dir }, broker);
  const cluster = new LocalCluster(node);

  let settings = config.httpApi;
  const backend = await createBackend(SPEC_PATH, handlers, () => settings.http_bearer_token);
  const listeners = await startListeners(broker, config.broker, log);
  let http: HttpApi;
  try {
    http = await startHttpApi(backend, { cluster, settings: () => settings, log, endpoints: backend.endpoints }, settings.http_laddr);
  } catch (e) {
    await closeListeners(listeners);
    await new Promise<void>((r) => broker.close(() => r()));
    throw e;
  }
  log.info({ node: config.broker.node.name, http: settings.http_laddr }, 'relaymq started');

  let closing: Promise<void> | undefined;
  return {
    config, broker, log,
    ports: { mqtt: boundPort(listeners.tcp), ws: boundPort(listeners.ws), http: http.port },
    close() {
      closing ??= (async () => {
        const stopAccepting = closeListeners(listeners);
        await http.close();
        await new Promise<void>((r) => broker.close(() => r()));
        await stopAccepting;
      })();
      return closing;
    },
  };
}
