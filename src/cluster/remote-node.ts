// Another node of the cluster, as the API sees it: every query and action goes to that node over
// Rpc. A node that is down or does not answer in time gives an empty answer (no clients, no
// plugins, zero figures) and reports itself not running, so that a cluster-wide request yields
// a partial answer, never an error.
import type { ClientInfo, ClusterNode, RouteInfo, SessionMessagePage, SubscriptionInfo } from '../broker/cluster.ts';
import type { PayloadEncoding } from '../broker/message-view.ts';
import type { BanRecord } from '../persistence/ban-store.ts';
import { brokerInfo, health, type BrokerInfo, type Health, type NodeInfo, type NodeStatus, VERSION, RUNTIME } from '../broker/node-info.ts';
import type { ClientQuery, SubscriptionQuery } from '../broker/queries.ts';
import type { PublishRequest } from '../broker/admin.ts';
import type { Qos } from '../broker/sessions.ts';
import type { Stats } from '../broker/stats.ts';
import type { Metrics } from '../metrics/counter.ts';
import type { PluginInfo } from '../plugins/manager.ts';
import { ConfigError } from '../config/load.ts';
import { formatDateTime, formatUptime } from '../util/time.ts';
import { NodeUnreachable, RemoteError, type Rpc, type RpcMethod } from './rpc.ts';
import type { NodeRecord } from './node-registry.ts';

export class RemoteNode implements ClusterNode {
  constructor(
    private readonly record: NodeRecord,
    private readonly alive: boolean,
    private readonly rpc: Rpc,
    /** Zero figures, for a node that cannot be asked. */
    private readonly zero: { stats: () => Stats; metrics: () => Metrics },
  ) {}

  get id() { return this.record.id; }
  get name() { return this.record.name; }

  status(): NodeStatus {
    return this.alive ? 'Running' : 'Stopped';
  }

  running(): boolean {
    return this.alive;
  }

  brokerInfo(): Promise<BrokerInfo> {
    return this.ask('brokerInfo', [], () => brokerInfo(this.identity(), 'Stopped'));
  }

  notReady(): Promise<string | undefined> {
    return this.ask('notReady', [], () => 'the node does not answer');
  }

  health(status: 'alive' | 'ready'): Promise<Health> {
    return this.ask('health', [status], () => health(this.identity(), status));
  }

  nodeInfo(): Promise<NodeInfo> {
    return this.ask('nodeInfo', [], () => this.stoppedInfo());
  }

  stats(): Promise<Stats> {
    return this.ask('stats', [], this.zero.stats);
  }

  metrics(): Promise<Metrics> {
    return this.ask('metrics', [], this.zero.metrics);
  }

  clients(query: ClientQuery, limit: number, after?: string): Promise<ClientInfo[]> {
    return this.ask('clients', [query, limit, after], () => []);
  }

  client(clientid: string): Promise<ClientInfo | undefined> {
    return this.ask('client', [clientid], () => undefined);
  }

  sessionCount(): Promise<number> {
    return this.ask('sessionCount', [], () => 0);
  }

  online(clientid: string): Promise<boolean> {
    return this.ask('online', [clientid], () => false);
  }

  subscriptions(query: SubscriptionQuery, limit: number, after?: string): Promise<SubscriptionInfo[]> {
    return this.ask('subscriptions', [query, limit, after], () => []);
  }

  routes(limit: number, topic?: string, after?: string): Promise<RouteInfo[]> {
    return this.ask('routes', [limit, topic, after], () => []);
  }

  sessionMessages(clientid: string, which: 'mqueue' | 'inflight', after: string | undefined, limit: number, encoding: PayloadEncoding): Promise<SessionMessagePage | undefined> {
    return this.ask('sessionMessages', [clientid, which, after, limit, encoding], () => undefined);
  }

  plugins(): Promise<PluginInfo[]> {
    return this.ask('plugins', [], () => []);
  }

  plugin(name: string): Promise<PluginInfo | undefined> {
    return this.ask('plugin', [name], () => undefined);
  }

  pluginConfig(name: string): Promise<Record<string, unknown> | undefined> {
    return this.ask('pluginConfig', [name], () => undefined);
  }

  loadPlugin(name: string): Promise<boolean> {
    return this.ask('loadPlugin', [name], () => false);
  }

  unloadPlugin(name: string): Promise<boolean | undefined> {
    return this.ask('unloadPlugin', [name], () => undefined);
  }

  reloadPlugin(name: string): Promise<boolean> {
    return this.ask('reloadPlugin', [name], () => false);
  }

  publish(req: PublishRequest): Promise<void> {
    return this.ask('publish', [req], () => { throw new NodeUnreachable(`node ${this.id} is not running`); });
  }

  subscribe(clientid: string, filters: string[], qos: Qos): Promise<Record<string, boolean> | undefined> {
    return this.ask('subscribe', [clientid, filters, qos], () => undefined);
  }

  unsubscribe(clientid: string, filter: string): Promise<boolean | undefined> {
    return this.ask('unsubscribe', [clientid, filter], () => undefined);
  }

  kick(clientid: string): Promise<string | undefined> {
    return this.ask('kick', [clientid], () => undefined);
  }

  kickMatching(query: ClientQuery): Promise<number> {
    return this.ask('kickMatching', [query], () => 0);
  }

  disconnectBanned(ban: BanRecord): Promise<number> {
    return this.ask('disconnectBanned', [ban], () => 0);
  }

  /** The node's answer; `fallback`'s when it is down or does not answer. Its own errors are rethrown. */
  private async ask<T>(method: RpcMethod, args: unknown[], fallback: () => T): Promise<T> {
    if (!this.alive) return fallback();
    try {
      return (await this.rpc.call(this.id, method, args)) as T;
    } catch (e) {
      if (e instanceof NodeUnreachable) return fallback();
      if (e instanceof RemoteError && e.name === 'ConfigError') throw new ConfigError(e.message);
      throw e;
    }
  }

  private identity() {
    return { id: this.id, name: this.name, startedAt: this.record.startedAt, dataDir: '.', listeners: () => [], enabledListeners: 0 };
  }

  private stoppedInfo(): NodeInfo {
    return {
      boottime: formatDateTime(this.record.startedAt), connections: 0, disk_free: 0, disk_total: 0,
      load1: 0, load5: 0, load15: 0, memory_free: 0, memory_total: 0, memory_used: 0,
      node_id: this.id, node_name: this.name, node_status: 'Stopped', running: false,
      uptime: formatUptime(0), version: VERSION, rustc_version: RUNTIME, listeners: [],
    };
  }
}
