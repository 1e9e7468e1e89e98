// This process as a cluster node: broker figures, the session registry's queries and the
// session actions, in the API's shapes.
import type { Aedes } from 'aedes';
import { brokerInfo, health, nodeInfo, type BrokerInfo, type NodeIdentity, type NodeInfo, type NodeStatus } from './node-info.ts';
import type { ClientInfo, ClusterNode, RouteInfo, SessionMessage, SessionMessagePage, SubscriptionInfo } from './cluster.ts';
import type { SessionTracker } from './session-tracker.ts';
import type { SessionAdmin, PublishRequest } from './admin.ts';
import type { Qos, SessionRecord } from './sessions.ts';
import { findClients, findRoutes, findSubscriptions, type ClientQuery, type SubscriptionQuery } from './queries.ts';
import { formatDateTime } from '../util/time.ts';
import type { Stats, StatsCollector } from './stats.ts';
import type { Metrics, MetricsCounter } from '../metrics/counter.ts';
import type { PluginInfo, PluginManager } from '../plugins/manager.ts';
import type { Store } from '../persistence/open.ts';
import type { StoredPacket } from '../persistence/codec.ts';
import type { BanRecord } from '../persistence/ban-store.ts';
import type { BanList } from './bans.ts';
import { messageView, type PayloadEncoding } from './message-view.ts';
import { smallestAfter } from '../util/smallest.ts';

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
    private readonly bans: Pick<BanList, 'matches'>,
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

  async clients(query: ClientQuery, limit: number, after?: string): Promise<ClientInfo[]> {
    const found = findClients(this.registry, query, limit, (r) => this.queueLength(r), after);
    return found.map((r) => this.clientInfo(r));
  }

  async client(clientid: string): Promise<ClientInfo | undefined> {
    const r = this.registry.get(clientid);
    return r && this.clientInfo(r);
  }

  async sessionCount(): Promise<number> {
    return this.registry.size;
  }

  async online(clientid: string): Promise<boolean> {
    return this.tracker.client(clientid) !== undefined;
  }

  async subscriptions(query: SubscriptionQuery, limit: number, after?: string): Promise<SubscriptionInfo[]> {
    return findSubscriptions(this.registry, query, limit, after).map((s) => ({ node_id: this.id, ...s }));
  }

  async routes(limit: number, topic?: string, after?: string): Promise<RouteInfo[]> {
    return findRoutes(this.registry, this.id, limit, topic, after);
  }

  async sessionMessages(clientid: string, which: 'mqueue' | 'inflight', after: string | undefined, limit: number, encoding: PayloadEncoding): Promise<SessionMessagePage | undefined> {
    if (!this.registry.get(clientid)) return undefined;
    // A connected session's messages are numbered by flow control, an offline one's by the store:
    // a key says which, so that a cursor from before a (dis)connection is recognised.
    const client = this.tracker.client(clientid);
    const view = client ? 'live' : 'stored';
    if (after !== undefined && !(after.startsWith(`${view}:`) && /^\w+:\d{16}$/.test(after))) return { rows: [], total: 0, stale: true };
    const key = (n: number) => `${view}:${String(n).padStart(16, '0')}`;
    const items: { key: string; packet: StoredPacket; packetId: number | null }[] = [];
    const pending = client && this.tracker.pending(client);
    if (pending) {
      if (which === 'mqueue') pending.queue.forEach((p, i) => items.push({ key: key(pending.first + i), packet: p as unknown as StoredPacket, packetId: null }));
      else for (const [id, p] of pending.inflight) items.push({ key: key(id), packet: p as unknown as StoredPacket, packetId: id });
    } else if (!client) {
      for (const e of this.store.mqtt.outgoingEntries(clientid)) {
        const sent = e.packet.messageId !== undefined;
        if (which === 'inflight' && sent) items.push({ key: key(e.packet.messageId!), packet: e.packet, packetId: e.packet.messageId! });
        if (which === 'mqueue' && !sent) items.push({ key: key(e.seq), packet: e.packet, packetId: null });
      }
    }
    const rows = smallestAfter(items, (i) => i.key, after, limit).map((i) => ({ key: i.key, message: sessionMessage(i.packet, i.packetId, encoding) }));
    return { rows, total: items.length };
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

  async kickMatching(query: ClientQuery): Promise<number> {
    const found = findClients(this.registry, query, Infinity, (r) => this.queueLength(r));
    // A few at a time: each one waits for its store writes.
    for (let i = 0; i < found.length; i += 64) await Promise.all(found.slice(i, i + 64).map((r) => this.admin.kick(r)));
    return found.length;
  }

  async disconnectBanned(ban: BanRecord): Promise<number> {
    let n = 0;
    for (const client of Object.values(this.broker.clients)) {
      if (client.closed || !this.bans.matches(ban, client, this.registry.get(client.id)?.username ?? undefined)) continue;
      this.tracker.disconnect(client, 'banned');
      n++;
    }
    return n;
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

function sessionMessage(p: StoredPacket, packetId: number | null, encoding: PayloadEncoding): SessionMessage {
  return { ...messageView(p, encoding), retain: Boolean(p.retain), packet_id: packetId };
}
