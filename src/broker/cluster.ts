// The Cluster is how the API reaches broker state: a set of nodes, each answering per-node
// queries and actions. Today the only implementation is LocalCluster (this process is the
// whole cluster); a Redis-backed cluster implements the same interfaces and needs no handler
// change.
import type { components } from '../../generated/openapi.js';
import type { BrokerInfo, Health, NodeInfo, NodeStatus } from './node-info.ts';
import type { ClientQuery, SubscriptionQuery } from './queries.ts';
import type { PublishRequest } from './admin.ts';
import type { Qos } from './sessions.ts';
import type { Stats } from './stats.ts';
import type { Metrics } from '../metrics/counter.ts';
import type { PluginInfo } from '../plugins/manager.ts';

export type ClientInfo = components['schemas']['Client'];
export type SubscriptionInfo = components['schemas']['Subscription'];
export type RouteInfo = components['schemas']['Route'];

/** What the API can ask one node. Client ids are looked up on the node that holds the session. */
export interface ClusterNode {
  readonly id: number;
  readonly name: string;
  /** Running, Degraded (its store refuses writes) or Stopped. */
  status(): NodeStatus;
  running(): boolean;
  brokerInfo(): Promise<BrokerInfo>;
  /** Why the node cannot serve MQTT clients now (store refusing writes, listeners down, stopping), or undefined. */
  notReady(): Promise<string | undefined>;
  /** The liveness and readiness answers of /health. */
  health(status: 'alive' | 'ready'): Promise<Health>;
  nodeInfo(): Promise<NodeInfo>;
  stats(): Promise<Stats>;
  metrics(): Promise<Metrics>;

  clients(query: ClientQuery, limit: number): Promise<ClientInfo[]>;
  client(clientid: string): Promise<ClientInfo | undefined>;
  online(clientid: string): Promise<boolean>;
  subscriptions(query: SubscriptionQuery, limit: number): Promise<SubscriptionInfo[]>;
  routes(limit: number, topic?: string): Promise<RouteInfo[]>;

  plugins(): Promise<PluginInfo[]>;
  plugin(name: string): Promise<PluginInfo | undefined>;
  /** undefined for an unknown plugin; throws ConfigError for an invalid config file. */
  pluginConfig(name: string): Promise<Record<string, unknown> | undefined>;
  /** false for an unknown plugin; throws ConfigError for an invalid config file. */
  loadPlugin(name: string): Promise<boolean>;
  /** undefined for an unknown plugin; false when it did not stop (inactive, immutable, refused). */
  unloadPlugin(name: string): Promise<boolean | undefined>;
  /** false for an unknown plugin; throws ConfigError (invalid file, immutable plugin). */
  reloadPlugin(name: string): Promise<boolean>;

  publish(req: PublishRequest): Promise<void>;
  /** undefined when the node holds no session with this id. */
  subscribe(clientid: string, filters: string[], qos: Qos): Promise<Record<string, boolean> | undefined>;
  unsubscribe(clientid: string, filter: string): Promise<boolean | undefined>;
  kick(clientid: string): Promise<string | undefined>;
}

export interface Cluster {
  /** Every node, this one first. */
  nodes(): Promise<ClusterNode[]>;
  /** One node by id, or undefined when no such node is known. */
  node(id: number): Promise<ClusterNode | undefined>;
  /** The node that publishes messages coming from the API. */
  local(): ClusterNode;
}

export class LocalCluster implements Cluster {
  constructor(private readonly self: ClusterNode) {}

  async nodes(): Promise<ClusterNode[]> {
    return [this.self];
  }

  async node(id: number): Promise<ClusterNode | undefined> {
    return id === this.self.id ? this.self : undefined;
  }

  local(): ClusterNode {
    return this.self;
  }
}
