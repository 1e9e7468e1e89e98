// The Cluster is how the API reaches broker state: a set of nodes, each answering per-node
// queries. Today the only implementation is LocalCluster (this process is the whole cluster);
// a Redis-backed cluster implements the same interfaces and needs no handler change.
import type { Aedes } from 'aedes';
import { brokerInfo, nodeInfo, type BrokerInfo, type NodeIdentity, type NodeInfo } from './node-info.ts';

/** What the API can ask one node. */
export interface ClusterNode {
  readonly id: number;
  readonly name: string;
  running(): boolean;
  brokerInfo(): Promise<BrokerInfo>;
  nodeInfo(): Promise<NodeInfo>;
}

export interface Cluster {
  /** Every node, this one first. */
  nodes(): Promise<ClusterNode[]>;
  /** One node by id, or undefined when no such node is known. */
  node(id: number): Promise<ClusterNode | undefined>;
}

export class LocalNode implements ClusterNode {
  constructor(private readonly identity: NodeIdentity, private readonly broker: Aedes) {}

  get id() { return this.identity.id; }
  get name() { return this.identity.name; }

  running(): boolean {
    return !this.broker.closed;
  }

  async brokerInfo(): Promise<BrokerInfo> {
    return brokerInfo(this.identity, this.running());
  }

  async nodeInfo(): Promise<NodeInfo> {
    return nodeInfo(this.identity, this.running(), this.broker.connectedClients);
  }
}

export class LocalCluster implements Cluster {
  constructor(private readonly local: ClusterNode) {}

  async nodes(): Promise<ClusterNode[]> {
    return [this.local];
  }

  async node(id: number): Promise<ClusterNode | undefined> {
    return id === this.local.id ? this.local : undefined;
  }
}
