// The Cluster is how the API reaches broker state: a set of nodes, each answering per-node
// queries and actions, and what any node answers for all (SharedState). LocalCluster: this
// process is the whole cluster; RedisCluster (src/cluster/): nodes sharing state through Redis.
// Handlers do not know which one they have.
import type { components } from '../../generated/openapi.js';
import type { BrokerInfo, Health, NodeInfo, NodeStatus } from './node-info.ts';
import type { ClientQuery, SubscriptionQuery } from './queries.ts';
import type { PublishRequest } from './admin.ts';
import type { Qos } from './sessions.ts';
import type { Stats } from './stats.ts';
import type { Metrics } from '../metrics/counter.ts';
import type { PluginInfo } from '../plugins/manager.ts';
import type { BanRecord } from '../persistence/ban-store.ts';
import type { EventSource } from './event-feed.ts';
import type { RetainedMessages } from './retained.ts';
import type { BanList } from './bans.ts';
import type { PayloadEncoding } from './message-view.ts';

export type ClientInfo = components['schemas']['Client'];
export type SubscriptionInfo = components['schemas']['Subscription'];
export type RouteInfo = components['schemas']['Route'];
export type SessionMessage = components['schemas']['SessionMessage'];

/** One page of a session's queued or in-flight messages, each with its cursor key. */
export interface SessionMessagePage {
  rows: { key: string; message: SessionMessage }[];
  total: number;
  /** The cursor was made while the session was connected and it no longer is, or the reverse. */
  stale?: boolean;
}

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

  /** Listings return the first `limit` rows in key order (queries.ts pageKey) after the key `after`. */
  clients(query: ClientQuery, limit: number, after?: string): Promise<ClientInfo[]>;
  client(clientid: string): Promise<ClientInfo | undefined>;
  /** Sessions the node holds (what its `clients` lists unfiltered). O(1). */
  sessionCount(): Promise<number>;
  online(clientid: string): Promise<boolean>;
  subscriptions(query: SubscriptionQuery, limit: number, after?: string): Promise<SubscriptionInfo[]>;
  routes(limit: number, topic?: string, after?: string): Promise<RouteInfo[]>;
  /** A session's queued (`mqueue`) or in-flight messages; undefined when the node does not hold it. */
  sessionMessages(clientid: string, which: 'mqueue' | 'inflight', after: string | undefined, limit: number, encoding: PayloadEncoding): Promise<SessionMessagePage | undefined>;

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
  /** Terminates every session the node holds that matches; how many. */
  kickMatching(query: ClientQuery): Promise<number>;
  /** Closes the node's connections that a new ban matches (sessions stay); how many. */
  disconnectBanned(ban: BanRecord): Promise<number>;
}

/** What any node answers for the whole cluster: retained messages and bans (in the shared store), every node's events. */
export interface SharedState {
  retained: RetainedMessages;
  bans: BanList;
  /** Broker events of every node. */
  events: EventSource;
}

export interface Cluster extends SharedState {
  /** Every node, this one first. */
  nodes(): Promise<ClusterNode[]>;
  /** One node by id, or undefined when no such node is known. */
  node(id: number): Promise<ClusterNode | undefined>;
  /** The node that publishes messages coming from the API. */
  local(): ClusterNode;
}

export class LocalCluster implements Cluster {
  readonly retained: RetainedMessages;
  readonly bans: BanList;
  readonly events: EventSource;

  constructor(private readonly self: ClusterNode, shared: SharedState) {
    ({ retained: this.retained, bans: this.bans, events: this.events } = shared);
  }

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
