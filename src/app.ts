// relaymq assembled: config → store, hooks, Aedes broker, session tracking → Cluster →
// plugins (the HTTP API, counters, ACL… are plugins) → MQTT listeners. Used by the CLI
// (src/main.ts) and by the tests, which start real instances on ephemeral ports.
import type { Aedes, AedesPublishPacket, Client } from 'aedes';
import type { StoredPacket } from './persistence/codec.ts';
import { createBroker, startListeners, closeListeners, boundPort, listenerInfo, reloadCertificates, type MqttListeners } from './broker/broker.ts';
import { peerCommonName } from './broker/tls.ts';
import { AedesSeam } from './broker/aedes-seam.ts';
import { effectiveCaps, openFileLimit } from './broker/connection-limits.ts';
import { BrokerHooks } from './broker/hooks.ts';
import { SessionRegistry } from './broker/sessions.ts';
import { FlowControl } from './broker/flow-control.ts';
import { SharedSubscriptions } from './broker/shared-subscriptions.ts';
import { SessionTracker } from './broker/session-tracker.ts';
import { SessionAdmin } from './broker/admin.ts';
import { LocalCluster, type Cluster } from './broker/cluster.ts';
import { BanList } from './broker/bans.ts';
import { RetainedMessages } from './broker/retained.ts';
import { EventFeed } from './broker/event-feed.ts';
import { LocalNode } from './broker/local-node.ts';
import { MessageObserver } from './broker/message-observer.ts';
import { Handshakes } from './broker/handshakes.ts';
import { logBrokerEvents } from './broker/event-log.ts';
import { InboundRules } from './broker/inbound-rules.ts';
import { OutboundRules } from './broker/outbound-rules.ts';
import { SubscribeRules } from './broker/subscribe-rules.ts';
import { EnhancedAuth } from './broker/enhanced-auth.ts';
import { StatsCollector } from './broker/stats.ts';
import { socketOf } from './broker/client-info.ts';
import { fromInternal, parseShared } from './broker/topics.ts';
import { PACKET_TAG, type TaggedPacket } from './broker/packet.ts';
import { MetricsCounter } from './metrics/counter.ts';
import { openStore, type Store } from './persistence/open.ts';
import type { RedisClusterLink } from './cluster/redis-cluster.ts';
import { PluginManager } from './plugins/manager.ts';
import { PLUGINS } from './plugins/index.ts';
import type { PluginContext } from './plugins/plugin.ts';
import type { HttpApi } from './api/server.ts';
import { ConfigError, type Config } from './config/load.ts';
import { createLogger, type Logger } from './util/log.ts';
import { parseDurationSeconds } from './util/time.ts';

export interface RelayMQ {
  config: Config;
  broker: Aedes;
  hooks: BrokerHooks;
  plugins: PluginManager;
  log: Logger;
  /** Bound ports; `http` is absent while the rmqtt-http-api plugin is not loaded. */
  readonly ports: { mqtt?: number; ws?: number; tls?: number; wss?: number; http?: number };
  /** Re-reads every TLS certificate file (SIGHUP); on an error the previous certificates stay. */
  reloadCertificates(): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  /**
   * A cluster node that lost its place in the shared state cannot go on (redis-log.ts). The
   * default exits the process, for the service manager to restart it.
   */
  onFatal?: (err: Error) => void;
}

export async function startRelayMQ(config: Config, log: Logger = createLogger(config.broker.log.level), options: StartOptions = {}): Promise<RelayMQ> {
  const startedAt = Date.now();
  const { mqtt, node: nodeCfg } = config.broker;
  const limits = { maxInflight: mqtt.max_inflight, maxQueue: mqtt.max_mqueue_len, maxSubscriptions: mqtt.max_subscriptions };
  const unknown = config.broker.plugins.default_startups.filter((n) => !PLUGINS.some((p) => p.name === n));
  if (unknown.length) throw new ConfigError(`${config.file}: key 'plugins.default_startups' names unknown plugins: ${unknown.join(', ')}`);

  const caps = effectiveCaps({ tcp: config.broker.listener.tcp.max_connections, ws: config.broker.listener.ws.max_connections }, openFileLimit(), log);
  const hooks = new BrokerHooks((event, err) => log.error({ err, event }, 'broker event listener failed'));
  const onFatal = options.onFatal ?? ((err: Error) => {
    log.fatal({ err: err.message }, 'cluster node cannot go on: exiting');
    process.exit(70);
  });
  const link = config.broker.cluster.type === 'redis'
    // Loaded only for a cluster: ioredis and the cluster code are a tenth of a single node's start-up.
    ? await (await import('./cluster/redis-cluster.ts')).RedisClusterLink.open(config.broker.cluster, nodeCfg, log, onFatal)
    : undefined;
  const store: Store = link?.store ?? await openStore(config.broker.persistence, log);
  let broker: Aedes;
  try {
    broker = await createBroker(config.broker, log, clusterOptions(hooks.aedesOptions(), link), store.mqtt, (client, props) => enhancedAuth.connack(client, props));
  } catch (e) {
    await store.close();
    await link?.close();
    throw e;
  }
  const seam = new AedesSeam(broker, log);
  const enhancedAuth = new EnhancedAuth(seam, log);
  const registry = new SessionRegistry(store.sessions, (clientid, held) => store.mqtt.holdChanged(clientid, held));
  // The stats count the messages of the sessions this node holds (in a cluster, not the others').
  store.mqtt.countHeldOnly((clientid) => registry.get(clientid) !== undefined);
  // A message a client will never get: a persistent session's stored copy goes with it.
  const dropped = (client: Client, packet: TaggedPacket, reason: string) => {
    if (!client.clean && packet.qos > 0) store.mqtt.outgoingClearMessageId(client, packet).catch(() => {});
    hooks.emit('message.dropped', { clientid: client.id, message: observer.info(packet), reason });
  };
  const flow = new FlowControl(broker, seam, { maxInflight: limits.maxInflight, maxQueue: limits.maxQueue }, dropped);
  const inboundRules = new InboundRules({
    maxQos: mqtt.max_qos_allowed, retainAvailable: mqtt.retain_available,
    receiveMaximum: mqtt.receive_maximum, subscriptionIdentifiersAvailable: mqtt.subscription_identifier_available,
  });
  const outboundRules = new OutboundRules((client, packet, reason) => {
    if (packet.qos > 0 && packet.messageId !== undefined) flow.release(client, packet.messageId);
    dropped(client, packet, reason);
  });
  const observer = new MessageObserver(broker, hooks, registry.routes, flow, store.mqtt);
  const shared = new SharedSubscriptions(broker, registry, mqtt.shared_subscription_strategy,
    (packet) => hooks.emit('message.dropped', { message: observer.info(packet), reason: 'no shared subscriber' }), flow);
  const handshakes = new Handshakes();
  const tracker = new SessionTracker(seam, store.mqtt, hooks, registry, flow, shared, {
    v3SessionExpiry: parseDurationSeconds(mqtt.session_expiry_interval), nodeId: nodeCfg.id,
  });
  const subscribeRules = new SubscribeRules({
    maxSubscriptions: limits.maxSubscriptions, maxFiltersPerSubscribe: mqtt.max_topic_filters_per_subscribe, maxQos: mqtt.max_qos_allowed,
    wildcardsAvailable: mqtt.wildcard_subscription_available, sharedAvailable: mqtt.shared_subscription_available,
  });
  store.mqtt.configure({ maxQueue: limits.maxQueue, online: (clientid) => tracker.client(clientid) !== undefined });
  store.mqtt.onDrop((clientid, packet, reason) => hooks.emit('message.dropped', { clientid, message: observer.info(packet as TaggedPacket), reason }));
  const stats = new StatsCollector(broker, registry, flow, handshakes, observer, store.mqtt);
  const counter = new MetricsCounter();
  const ctx: PluginContext = {
    hooks, broker, registry, log, config,
    cluster: undefined as unknown as Cluster, // set below, once the node exists
    identity: (client) => tracker.identity(client)
      ?? { clientid: client.id, username: registry.get(client.id)?.username ?? undefined, ip: socketOf(client).remoteAddress },
    filterOf: (topic) => { const t = fromInternal(topic); return parseShared(t)?.filter ?? t; },
    services: { counter },
    authMethods: enhancedAuth,
  };
  const plugins = new PluginManager(PLUGINS, config.broker.plugins.dir, ctx);
  // Retained messages and bans are in the store (shared by a cluster's nodes); events are this node's.
  const bans = new BanList(store.bans);
  const retained = new RetainedMessages(store.mqtt, { count: () => observer.retainedCount(), removed: (topic) => observer.retainedChanged(topic, undefined) });
  const events = new EventFeed(hooks, nodeCfg.id);
  const node = new LocalNode({
    id: nodeCfg.id, name: nodeCfg.name, startedAt, dataDir: config.broker.persistence.data_dir,
    listeners: () => listenerInfo(listeners, config.broker),
    enabledListeners: Object.values(config.broker.listener).filter((l) => l.enable).length,
  },
    broker, tracker, new SessionAdmin(broker, hooks, tracker, nodeCfg.id), limits, stats, counter, plugins, store, bans);
  ctx.cluster = new LocalCluster(node, { retained, bans, events });
  // In a cluster, a will of a client whose node is gone, published by this node.
  const publishWill = async (will: StoredPacket) => {
    const packet = { ...willAsPublish(will), [PACKET_TAG]: { source: 'lastwill' } } as unknown as AedesPublishPacket;
    await new Promise<void>((resolve) => broker.publish(packet, () => resolve()));
    const id = { id: will.clientId ?? '' };
    if ((await store.mqtt.getWill(id))?.incarnation === will.incarnation) await store.mqtt.delWill(id);
  };

  let listeners: MqttListeners = {};
  const shutdown = async () => {
    const stopAccepting = closeListeners(listeners);
    await (ctx.services.http as HttpApi | undefined)?.close();
    tracker.stop();
    stats.stop();
    await new Promise<void>((r) => broker.close(() => r()));
    await plugins.stopAll();
    await stopAccepting;
    registry.flush();
    await store.close();
    await link?.close();
  };
  try {
    // The order of everything relaymq does around Aedes, in one place (see aedes-seam.ts):
    seam.install({
      publish: [observer.publish],
      refused: [observer.refused],
      // Enhanced authentication holds a CONNECT until its exchange is done; the inbound rules
      // refuse what breaks the CONNACK's promises before anything else sees it; the observer
      // reports a PUBACK's message before flow control releases it (and shared subscriptions
      // drop a stored copy it acknowledges); subscribe rules turn shared filters into their
      // internal form before Aedes sees a SUBSCRIBE.
      inbound: [enhancedAuth.inbound, inboundRules.inbound, observer.inbound, subscribeRules.inbound, tracker.inbound, shared.inbound, flow.inbound],
      outbound: [inboundRules.outbound, outboundRules.stage],
      stored: flow.stored,
      closed: [tracker.closed, handshakes.ended],
      // The observer tags retained messages sent on subscribe, then flow control windows them.
      deliver: [observer.stage, flow.stage],
    });
    observer.install();
    inboundRules.install(hooks);
    outboundRules.install(hooks, seam);
    enhancedAuth.install(hooks);
    bans.install(hooks);
    subscribeRules.install(hooks, (listener) => seam.on('subscribe', listener));
    observer.loadRetained();
    handshakes.install(broker, hooks);
    // A verified client certificate's Common Name is the username, before anything reads it.
    hooks.add('connect', (client, packet) => {
      const l = client.req ? config.broker.listener.wss : config.broker.listener.tls;
      const cn = l.use_cn_as_username ? peerCommonName(client) : undefined;
      if (cn !== undefined) packet.username = cn;
    }, 0);
    tracker.install();
    const stored = await store.sessions.load();
    await tracker.restore(link ? link.own(stored) : stored);
    stats.start(hooks);
    logBrokerEvents(hooks, log);
    // Session records saved while the store refused writes were lost on the way: save them all again.
    store.onHealthChange((h) => { if (h.healthy) for (const rec of registry.values()) store.sessions.save(rec); });
    // Registered before the listeners open: no client of this node exists before the others see it alive.
    if (link) {
      // A subscription sees every retained message stored anywhere before it (first in the
      // chain: a hook that allows ends it).
      hooks.add('authorizeSubscribe', () => link.barrier().then(() => 'ignore' as const), 0);
      ctx.cluster = await link.join({
        self: node, sessionChanged: tracker.remoteChange.bind(tracker), adopt: (rec) => tracker.adopt(rec), publishWill,
        retainedChanged: (topic, packet) => observer.retainedChanged(topic, packet), shared,
        state: { retained, bans }, events,
      });
    }
    for (const name of config.broker.plugins.default_startups) await plugins.load(name);
    listeners = await startListeners((conn, req) => {
      const client = broker.handle(conn, req);
      handshakes.attach(client);
      seam.attach(client);
    }, config.broker, caps, log).catch((e: unknown) => {
      // A busy port or an unreadable certificate: one line naming the file and the key.
      throw e instanceof ConfigError ? new ConfigError(`${config.file}: ${e.message}`) : e;
    });
  } catch (e) {
    await shutdown();
    throw e;
  }
  const ports = () => ({
    mqtt: boundPort(listeners.tcp), ws: boundPort(listeners.ws), tls: boundPort(listeners.tls), wss: boundPort(listeners.wss),
    http: (ctx.services.http as HttpApi | undefined)?.port,
  });
  const { mqtt: tcp, ...others } = ports();
  log.info({ node: nodeCfg.name, plugins: config.broker.plugins.default_startups, ports: { tcp, ...others } }, 'relaymq started');

  let closing: Promise<void> | undefined;
  return {
    config, broker, hooks, plugins, log,
    get ports() {
      return ports();
    },
    async reloadCertificates() {
      reloadCertificates(listeners, config.broker);
      if (plugins.info('rmqtt-http-api')?.active) await plugins.reload('rmqtt-http-api'); // http_tls_cert/key
      log.info('TLS certificates reloaded');
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}

/**
 * In a cluster, Aedes routes through the cluster bus, and a CONNECT waits until this node has
 * applied every change made anywhere before it: a session resumed here is the one left elsewhere.
 */
function clusterOptions<T extends ReturnType<BrokerHooks['aedesOptions']>>(options: T, link: RedisClusterLink | undefined): T {
  if (!link) return options;
  const preConnect = options.preConnect!;
  return {
    ...options,
    mq: link.bus,
    preConnect: (client, packet, done) => {
      link.barrier().then(() => preConnect(client, packet, done), (err: Error) => done(err, false));
    },
  };
}

/** A will as a PUBLISH: without the Will Delay Interval, which is no PUBLISH property. */
function willAsPublish<T extends { properties?: Record<string, unknown> }>(will: T): T {
  if (will.properties?.willDelayInterval === undefined) return will;
  const { willDelayInterval: _delay, ...properties } = will.properties;
  return { ...will, properties };
}
