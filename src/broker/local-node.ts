// This process as a cluster node: broker figures, the session registry's queries and the
// session actions, in the API's shapes.
import type { Aedes } from 'aedes';
import { brokerInfo, health, nodeInfo, type BrokerInfo, type NodeIdentity, type NodeInfo, type NodeStatus } from './node-info.ts';
import type { ClientInfo, ClusterNode, RouteInfo, SubscriptionInfo } from './cluster.ts';
import type { SessionTracker } from './session-tracker.ts';
import type { SessionAdmin, PublishRequest } from './admin.ts';
import type { Qos, SessionRecord } from './sessions.ts';
import { findClients, findRoutes, findSubscriptions, type ClientQuery, type SubscriptionQuery } from './queries.ts';
import { formatDateTime } from '../util/time.ts';
import type { Stats, StatsCollector } from './stats.ts';
import type { Metrics, MetricsCounter } from '../metrics/counter.ts';
import type { PluginInfo, PluginManager } from '../plugins/manager.ts';
import type { Store } from '../persistence/open.ts';

export interface SessionLimits {
  maxInflight: number;
  maxQueue: number;
  maxSubscriptions: number;
}

export class LocalNode implements ClusterNode {
  constructor(
    private readonly identity: NodeIdentity,
    private readonly broker: Aedes,
    private readonly tracker: SessionTracker,
    private readonly admin: SessionAdmin,
    private readonly limits: SessionLimits,
    private readonly statsCollector: StatsCollector,
    private readonly counter: MetricsCounter,
    private readonly pluginManager: PluginManager,
    private readonly store: Pick<Store, 'health' | 'mqtt'>,
  ) {}

  get id() { return this.identity.id; }
  get name() { return this.identity.name; }
  private get registry() { return this.tracker.registry; }

  status(): NodeStatus {
    if (this.broker.closed) return 'Stopped';
    return this.store.health().healthy ? 'Running' : 'Degraded';
  }

  running(): boolean {
    return this.status() === 'Running';
  }

  async notReady(): Promise<string | undefined> {
    if (this.broker.closed) return 'the broker is shutting down';
    const store = this.store.health();
    if (!store.healthy) return `the store is unavailable: ${store.reason}`;
    const up = this.identity.listeners().length;
    if (up < this.identity.enabledListeners) return `${up} of ${this.identity.enabledListeners} MQTT listeners are up`;
    return undefined;
  }

  async health(status: 'alive' | 'ready') {
    return health(this.identity, status);
  }

  async brokerInfo(): Promise<BrokerInfo> {
    return brokerInfo(this.identity, this.status());
  }

  async nodeInfo(): Promise<NodeInfo> {
    return nodeInfo(this.identity, this.status(), this.broker.connectedClients);
  }

  stats(): Promise<Stats> {
    return this.statsCollector.read();
  }

  async metrics(): Promise<Metrics> {
    return this.counter.snapshot();
  }

  async plugins(): Promise<PluginInfo[]> {
    return this.pluginManager.list();
  }

  async plugin(name: string): Promise<PluginInfo | undefined> {
    return this.pluginManager.info(name);
  }

  async pluginConfig(name: string): Promise<Record<string, unknown> | undefined> {
    return this.pluginManager.has(name) ? this.pluginManager.config(name) : undefined;
  }

  async loadPlugin(name: string): Promise<boolean> {
    if (!this.pluginManager.has(name)) return false;
    await this.pluginManager.load(name);
    return true;
  }

  async unloadPlugin(name: string): Promise<boolean | undefined> {
    return this.pluginManager.has(name) ? this.pluginManager.unload(name) : undefined;
  }

  async reloadPlugin(name: string): Promise<boolean> {
    if (!this.pluginManager.has(name)) return false;
    await this.pluginManager.reload(name);
    return true;
  }

  async clients(query: ClientQuery, limit: number): Promise<ClientInfo[]> {
    const found = findClients(this.registry, query, limit, (r) => this.queueLength(r));
    return found.map((r) => this.clientInfo(r));
  }

  async client(clientid: string): Promise<ClientInfo | undefined> {
    const r = this.registry.get(clientid);
    return r && this.clientInfo(r);
  }

  async online(clientid: string): Promise<boolean> {
    return this.tracker.client(clientid) !== undefined;
  }

  async subscriptions(query: SubscriptionQuery, limit: number): Promise<SubscriptionInfo[]> {
    return findSubscriptions(this.registry, query, limit).map((s) => ({ node_id: this.id, ...s }));
  }

  async routes(limit: number, topic?: string): Promise<RouteInfo[]> {
    return findRoutes(this.registry, limit, topic).map((t) => ({ topic: t, node_id: this.id }));
  }

  publish(req: PublishRequest): Promise<void> {
    return this.admin.publish(req);
  }

  async subscribe(clientid: string, filters: string[], qos: Qos): Promise<Record<string, boolean> | undefined> {
    const r = this.registry.get(clientid);
    return r && this.admin.subscribe(r, filters, qos);
  }

  async unsubscribe(clientid: string, filter: string): Promise<boolean | undefined> {
    const r = this.registry.get(clientid);
    return r && this.admin.unsubscribe(r, filter);
  }

  async kick(clientid: string): Promise<string | undefined> {
    const r = this.registry.get(clientid);
    return r && this.admin.kick(r);
  }

  /** Messages waiting for the session: FlowControl's queue when connected, the store's otherwise. O(1). */
  private queueLength(r: SessionRecord): number {
    const client = this.tracker.client(r.clientid);
    if (client) return this.tracker.counts(client).queued;
    return this.store.mqtt.queueLength(r.clientid);
  }

  private clientInfo(r: SessionRecord): ClientInfo {
    const client = this.tracker.client(r.clientid);
    const counts = this.tracker.counts(client);
    return {
      node_id: this.id,
      clientid: r.clientid,
      username: r.username ?? 'undefined',
      proto_ver: r.proto_ver,
      ip_address: r.ip_address,
      port: r.port,
      connected_at: formatDateTime(r.connected_at),
      disconnected_at: r.disconnected_at === null ? '' : formatDateTime(r.disconnected_at),
      disconnected_reason: r.disconnected_reason,
      connected: r.connected,
      keepalive: r.keepalive,
      clean_start: r.clean_start,
      session_present: r.session_present,
      expiry_interval: r.expiry_interval,
      created_at: formatDateTime(r.created_at),
      subscriptions_cnt: Object.keys(r.subscriptions).length,
      max_subscriptions: this.limits.maxSubscriptions,
      inflight: counts.inflight,
      max_inflight: this.limits.maxInflight,
      mqueue_len: this.queueLength(r),
      max_mqueue: this.limits.maxQueue,
      extra_attrs: 0,
      last_will: r.last_will,
    };
  }
}
