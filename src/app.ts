// relaymq assembled: config → hooks, Aedes broker, session tracking and listeners → Cluster →
// HTTP API. Used by the CLI (src/main.ts) and by the tests, which start real instances on
// ephemeral ports.
import type { Aedes } from 'aedes';
import { createBroker, startListeners, closeListeners, boundPort } from './broker/broker.ts';
import { BrokerHooks } from './broker/hooks.ts';
import { SessionRegistry } from './broker/sessions.ts';
import { FlowControl } from './broker/flow-control.ts';
import { SharedSubscriptions } from './broker/shared-subscriptions.ts';
import { SessionTracker } from './broker/session-tracker.ts';
import { SessionAdmin } from './broker/admin.ts';
import { advertiseSharedSubscriptions } from './broker/connack.ts';
import { LocalCluster } from './broker/cluster.ts';
import { LocalNode } from './broker/local-node.ts';
import { createBackend } from './api/backend.ts';
import { startHttpApi, type HttpApi } from './api/server.ts';
import { handlers } from './api/handlers.ts';
import { SPEC_PATH } from './api/spec.ts';
import { createLogger, type Logger } from './util/log.ts';
import { parseDurationSeconds } from './util/time.ts';
import type { Config } from './config/load.ts';
import { openStore } from './persistence/open.ts';
import { MessageObserver } from './broker/message-observer.ts';
import { Handshakes } from './broker/handshakes.ts';
import { StatsCollector } from './broker/stats.ts';
import { MetricsCounter } from './metrics/counter.ts';

export interface RelayMQ {
  config: Config;
  broker: Aedes;
  hooks: BrokerHooks;
  log: Logger;
  ports: { mqtt?: number; ws?: number; http: number };
  close(): Promise<void>;
}

export async function startRelayMQ(config: Config, log: Logger = createLogger(config.broker.log.level)): Promise<RelayMQ> {
  const startedAt = Date.now();
  const { mqtt, node: nodeCfg } = config.broker;
  const limits = { maxInflight: mqtt.max_inflight, maxQueue: mqtt.max_mqueue_len, maxSubscriptions: mqtt.max_subscriptions };

  advertiseSharedSubscriptions();
  const hooks = new BrokerHooks();
  const store = await openStore(config.broker.persistence, log);
  let broker: Aedes;
  try {
    broker = await createBroker(config.broker, log, hooks.aedesOptions(), store.aedes);
  } catch (e) {
    await store.close();
    throw e;
  }
  const registry = new SessionRegistry(store.sessions);
  const flow = new FlowControl(broker, { maxInflight: limits.maxInflight, maxQueue: limits.maxQueue },
    (client, packet, reason) => hooks.emit('message.dropped', { clientid: client.id, message: observer.info(packet), reason }));
  const observer = new MessageObserver(broker, hooks, registry.routes, flow);
  observer.install();
  await observer.loadRetained();
  const shared = new SharedSubscriptions(broker, registry, mqtt.shared_subscription_strategy,
    (packet) => hooks.emit('message.dropped', { message: observer.info(packet), reason: 'no shared subscriber' }));
  const handshakes = new Handshakes();
  handshakes.install(broker, hooks);
  const tracker = new SessionTracker(broker, registry, flow, shared, {
    maxSubscriptions: limits.maxSubscriptions,
    v3SessionExpiry: parseDurationSeconds(mqtt.session_expiry_interval),
  });
  tracker.install(hooks);
  await tracker.restore(await store.sessions.load());
  const admin = new SessionAdmin(broker, hooks, tracker, nodeCfg.id);
  const stats = new StatsCollector(broker, registry, flow, handshakes, observer);
  stats.start(hooks);
  const counter = new MetricsCounter();
  counter.start(hooks);
  const node = new LocalNode({ id: nodeCfg.id, name: nodeCfg.name, startedAt, dataDir: config.broker.persistence.data_dir },
    broker, tracker, admin, limits, stats, counter);
  const cluster = new LocalCluster(node);

  const settings = config.httpApi;
  const backend = await createBackend(SPEC_PATH, handlers, () => settings.http_bearer_token);
  // Per connection: handshake tracking, then SessionTracker (flow control and its packet
  // listener), then MessageObserver, whose packet listener must run before the tracker's.
  const listeners = await startListeners((conn, req) => {
    const client = broker.handle(conn, req);
    handshakes.attach(client);
    tracker.attach(client);
    observer.attach(client);
  }, config.broker, log);
  let http: HttpApi;
  try {
    http = await startHttpApi(backend, { cluster, settings: () => settings, log, endpoints: backend.endpoints }, settings.http_laddr);
  } catch (e) {
    await closeListeners(listeners);
    tracker.stop();
    stats.stop();
    await new Promise<void>((r) => broker.close(() => r()));
    await store.close();
    throw e;
  }
  log.info({ node: nodeCfg.name, http: settings.http_laddr }, 'relaymq started');

  let closing: Promise<void> | undefined;
  return {
    config, broker, hooks, log,
    ports: { mqtt: boundPort(listeners.tcp), ws: boundPort(listeners.ws), http: http.port },
    close() {
      closing ??= (async () => {
        const stopAccepting = closeListeners(listeners);
        await http.close();
        tracker.stop();
        stats.stop();
        await new Promise<void>((r) => broker.close(() => r()));
        await stopAccepting;
        await store.close();
      })();
      return closing;
    },
  };
}
