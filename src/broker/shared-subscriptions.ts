// MQTT shared subscriptions ($share/<group>/<filter>, MQTT 5 §4.8.2, also offered to MQTT 3.1.1
// clients as RMQTT does). Aedes holds each member's subscription in its internal form (see
// topics.ts) and delivers nothing to it; this module subscribes once per (group, filter) and
// hands each message to exactly one member: round-robin (default) or random among connected
// members, else queued for one offline persistent member. When a member disconnects, the
// messages it had not acknowledged go to another member. A member gets a message as any
// subscriber would: RETAIN cleared unless it asked for Retain As Published [MQTT-3.3.1-12],
// its own Subscription Identifier [MQTT-3.3.4-3], its granted QoS at most.
//
// In a cluster (SharedPeers), the node where a message enters decides, among the members of the
// whole cluster; a member on another node gets it through that node. Every other node ignores
// the message for the group, so each group gets it once.
import type { Aedes, AedesPublishPacket, Client } from 'aedes';
import { PACKET_TAG, copyPacket, endsExchange, type TaggedPacket } from './packet.ts';
import type { InboundObserver } from './aedes-seam.ts';
import type { FlowControl } from './flow-control.ts';
import type { Qos, SessionRegistry, SharedMembership } from './sessions.ts';
import { parseShared } from './topics.ts';

export type ShareStrategy = 'round_robin' | 'random';

/** Members held by the other nodes of a cluster, and the way to them. */
export interface SharedPeers {
  /** The session of a client another (running) node holds, or undefined. */
  whereIs(clientid: string): { connected: boolean; persistent: boolean } | undefined;
  /** Hands a member's copy to the node its client is connected to. */
  send(clientid: string, group: string, packet: TaggedPacket): Promise<void>;
}

interface Group {
  key: string;
  name: string;
  filter: string;
  /** Members whose sessions this node holds. */
  members: Map<string, SharedMembership>;
  /** In a cluster: members whose sessions other nodes hold, as their stored records say. */
  stored: Map<string, SharedMembership>;
  next: number;
  listener: (packet: AedesPublishPacket, cb: () => void) => void;
}

type Candidate = { id: string; client?: Client };

/** The group a stored message was given to a member for (a plain field: the store keeps it). */
const STORED_GROUP = 'relaymqSharedGroup';
type StoredShared = TaggedPacket & { [STORED_GROUP]?: string };

export class SharedSubscriptions {
  private readonly groups = new Map<string, Group>();
  private peers?: SharedPeers;

  constructor(
    private readonly broker: Aedes,
    private readonly registry: SessionRegistry,
    private readonly strategy: ShareStrategy,
    private readonly onNoMember: (packet: AedesPublishPacket) => void,
    private readonly flow: Pick<FlowControl, 'find'>,
  ) {}

  /** In a cluster: the members other nodes hold, and how to reach them. */
  usePeers(peers: SharedPeers): void {
    this.peers = peers;
  }

  join(clientid: string, name: string, filter: string, options: SharedMembership): void {
    this.group(name, filter).members.set(clientid, options);
  }

  leave(clientid: string, name: string, filter: string): void {
    const g = this.groups.get(groupKey(name, filter));
    if (g?.members.delete(clientid)) this.dropIfEmpty(g);
  }

  /**
   * In a cluster: a session another node holds joined a group (or left it, `options` undefined),
   * as its stored record says. The node a message enters reaches such members through the peers.
   */
  storedMember(clientid: string, filter: string, options: SharedMembership | undefined): void {
    const s = parseShared(filter);
    if (!s) return;
    if (options) this.group(s.group, s.filter).stored.set(clientid, options);
    else {
      const g = this.groups.get(groupKey(s.group, s.filter));
      if (g?.stored.delete(clientid)) this.dropIfEmpty(g);
    }
  }

  /** Messages a departed member never acknowledged (or never got) go to the others. */
  redeliver(from: string, packets: TaggedPacket[]): void {
    for (const p of packets) {
      const g = p[PACKET_TAG]?.shared ? this.groups.get(p[PACKET_TAG]!.shared!) : undefined;
      const member = g && this.pickConnected(g, from);
      if (!g || !member) continue;
      // The departed member must not get it again when it comes back.
      this.forgetStored(from, p);
      this.deliverTo(g, member, p, () => {});
    }
  }

  /**
   * Client packets before flow control releases what they acknowledge: a member of a clean
   * session acknowledging a copy another node chose it for has that copy's stored copy removed
   * (a persistent session's is removed by Aedes, as any other).
   */
  readonly inbound: InboundObserver = (client, packet) => {
    if (!this.peers || !client.clean || !endsExchange(packet)) return; // only a cluster chooses across nodes
    const p = this.flow.find(client, packet.messageId!);
    if (p?.[PACKET_TAG]?.fromOtherNode && p[PACKET_TAG].shared) this.forgetStored(client.id, p);
  };

  /**
   * A member's copy another node chose this node's client for. If the client left meanwhile, a
   * persistent session has it stored already; otherwise another member gets it.
   */
  deliverChosen(clientid: string, key: string, received: TaggedPacket): void {
    // A packet of Aedes' own kind, tagged: flow control hands it back if the member leaves.
    const packet = copyPacket(received, this.broker);
    packet[PACKET_TAG] = { shared: key, fromOtherNode: true };
    const client = this.broker.clients[clientid];
    if (client?.connected) return client.deliverQoS(packet, () => {});
    if (packet.qos > 0 && this.registry.get(clientid)?.persistent) return;
    // Gone with its clean session: the copy stored for it goes too, and another member gets it.
    if (packet.qos > 0) this.forgetStored(clientid, packet);
    const g = this.groups.get(key);
    const other = g && this.pickConnected(g, clientid);
    if (g && other) this.deliverTo(g, other, packet, () => {});
  }

  /** Removes a member's stored copy of a message (found by its origin, or by packet identifier). */
  private forgetStored(clientid: string, p: TaggedPacket): void {
    const which = p.brokerId ? { brokerId: p.brokerId, brokerCounter: p.brokerCounter } : { messageId: p.messageId };
    if (p.brokerId || p.messageId !== undefined) this.broker.persistence.outgoingClearMessageId({ id: clientid }, which).catch(() => {});
  }

  private group(name: string, filter: string): Group {
    const key = groupKey(name, filter);
    let g = this.groups.get(key);
    if (!g) {
      const group: Group = { key, name, filter, members: new Map(), stored: new Map(), next: 0, listener: (p, cb) => this.dispatch(group, p, cb) };
      g = group;
      this.groups.set(key, g);
      // Like Aedes' own wildcard subscriptions, a leading wildcard never receives $-topics.
      this.broker.subscribe(filter, g.listener, () => {});
    }
    return g;
  }

  private dropIfEmpty(g: Group): void {
    if (g.members.size + g.stored.size > 0) return;
    this.groups.delete(g.key);
    this.broker.unsubscribe(g.filter, g.listener, () => {});
  }

  private dispatch(g: Group, packet: AedesPublishPacket, cb: () => void): void {
    if (packet.topic.startsWith('$') && /^[+#]/.test(g.filter)) return cb();
    // The node where the message entered the cluster chooses the member.
    if ((packet as TaggedPacket)[PACKET_TAG]?.fromOtherNode) return cb();
    const member = this.pickConnected(g);
    if (member) return this.deliverTo(g, member, packet, cb);
    const offline = this.pickOffline(g);
    if (offline && packet.qos > 0) {
      const stored = this.forMember(g, offline, packet);
      if (stored.qos > 0) {
        this.broker.persistence.outgoingEnqueueCombi([{ clientId: offline, topic: packet.topic, qos: stored.qos }], stored)
          .then(() => cb(), () => cb());
        return;
      }
    }
    // A QoS 0 message nobody can take now is simply not delivered, as for any offline session.
    if (packet.qos > 0) this.onNoMember(packet);
    cb();
  }

  /**
   * A node died holding these persistent members' sessions (cluster): the messages of their
   * groups stored for them go to the other members instead of waiting for their return.
   */
  async handOnStored(clientid: string): Promise<void> {
    const held: TaggedPacket[] = [];
    for await (const p of this.broker.persistence.outgoingStream({ id: clientid }) as AsyncIterable<StoredShared>) {
      if ((p.cmd as string) !== 'pubrel' && p[STORED_GROUP]) held.push(Object.assign(p, { [PACKET_TAG]: { shared: p[STORED_GROUP] } }));
    }
    this.redeliver(clientid, held);
  }

  /** The packet as this member is to get it (its QoS, RETAIN and Subscription Identifier). */
  private forMember(g: Group, clientid: string, packet: AedesPublishPacket): TaggedPacket {
    const member = g.members.get(clientid) ?? g.stored.get(clientid) ?? { qos: 0 };
    const copy = copyPacket(packet as TaggedPacket, this.broker);
    // Kept with the message where it is stored for the member (never sent: no MQTT field).
    (copy as StoredShared)[STORED_GROUP] = g.key;
    copy.qos = Math.min(packet.qos, member.qos) as Qos;
    if (!member.rap) copy.retain = false;
    if (member.si !== undefined) copy.properties = { ...copy.properties, subscriptionIdentifier: member.si } as typeof copy.properties;
    copy[PACKET_TAG] = { ...(packet as TaggedPacket)[PACKET_TAG], shared: g.key };
    return copy;
  }

  private deliverTo(g: Group, member: Candidate, packet: AedesPublishPacket, cb: () => void): void {
    const copy = this.forMember(g, member.id, packet);
    const client = member.client;
    if (client && (copy.qos === 0 || client.clean)) return client.deliverQoS(copy, () => cb());
    const send = () => {
      if (client) client.deliverQoS(copy, () => cb());
      else this.peers!.send(member.id, g.key, copy).then(() => cb(), () => cb());
    };
    if (copy.qos === 0) return send();
    // Aedes stores every QoS 1/2 message of a persistent session before sending it (and
    // fails the client if it cannot find it); its own enqueue never sees shared members. A
    // member on another node has its copy stored until it acknowledges it, persistent or not:
    // if that node dies, the survivors hand it on (see inbound and handOnStored).
    this.broker.persistence.outgoingEnqueueCombi([{ clientId: member.id, topic: copy.topic, qos: copy.qos }], copy).then(send, () => cb());
  }

  private pickConnected(g: Group, exclude?: string): Candidate | undefined {
    const ids = [...g.members.keys()].filter((id) => id !== exclude && this.broker.clients[id]?.connected);
    if (this.peers) {
      for (const id of g.stored.keys()) {
        if (id !== exclude && !g.members.has(id) && !this.broker.clients[id] && this.peers.whereIs(id)?.connected) ids.push(id);
      }
    }
    if (ids.length === 0) return undefined;
    const id = this.choose(g, ids);
    return { id, client: this.broker.clients[id] };
  }

  private pickOffline(g: Group): string | undefined {
    const ids = [...g.members.keys()].filter((id) => this.registry.get(id)?.persistent && !this.broker.clients[id]);
    if (this.peers) {
      for (const id of g.stored.keys()) {
        const where = !g.members.has(id) ? this.peers.whereIs(id) : undefined;
        if (where && !where.connected && where.persistent) ids.push(id);
      }
    }
    return ids.length ? this.choose(g, ids) : undefined;
  }

  private choose(g: Group, ids: string[]): string {
    if (this.strategy === 'random') return ids[Math.floor(Math.random() * ids.length)];
    return ids[g.next++ % ids.length];
  }
}

const groupKey = (name: string, filter: string) => `${name}\u0000${filter}`;

