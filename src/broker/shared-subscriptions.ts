// MQTT shared subscriptions ($share/<group>/<filter>, MQTT 5 §4.8.2, also offered to MQTT 3.1.1
// clients as RMQTT does). Aedes holds each member's subscription in its internal form (see
// topics.ts) and delivers nothing to it; this module subscribes once per (group, filter) and
// hands each message to exactly one member: round-robin (default) or random among connected
// members, else queued for one offline persistent member. When a member disconnects, the
// messages it had not acknowledged go to another member. A member gets a message as any
// subscriber would: RETAIN cleared unless it asked for Retain As Published [MQTT-3.3.1-12],
// its own Subscription Identifier [MQTT-3.3.4-3], its granted QoS at most.
import type { Aedes, AedesPublishPacket, Client } from 'aedes';
import { PACKET_TAG, copyPacket, type TaggedPacket } from './packet.ts';
import type { Qos, SessionRegistry } from './sessions.ts';

export type ShareStrategy = 'round_robin' | 'random';

/** What a member asked for in its SUBSCRIBE. */
export interface MemberOptions {
  qos: Qos;
  /** Retain As Published. */
  rap?: boolean;
  /** Subscription Identifier. */
  si?: number;
}

interface Group {
  key: string;
  name: string;
  filter: string;
  members: Map<string, MemberOptions>;
  next: number;
  listener: (packet: AedesPublishPacket, cb: () => void) => void;
}

export class SharedSubscriptions {
  private readonly groups = new Map<string, Group>();

  constructor(
    private readonly broker: Aedes,
    private readonly registry: SessionRegistry,
    private readonly strategy: ShareStrategy,
    private readonly onNoMember: (packet: AedesPublishPacket) => void,
  ) {}

  join(clientid: string, name: string, filter: string, options: MemberOptions): void {
    const key = `${name}\u0000${filter}`;
    let g = this.groups.get(key);
    if (!g) {
      const group: Group = { key, name, filter, members: new Map(), next: 0, listener: (p, cb) => this.dispatch(group, p, cb) };
      g = group;
      this.groups.set(key, g);
      // Like Aedes' own wildcard subscriptions, a leading wildcard never receives $-topics.
      this.broker.subscribe(filter, g.listener, () => {});
    }
    g.members.set(clientid, options);
  }

  leave(clientid: string, name: string, filter: string): void {
    const g = this.groups.get(`${name}\u0000${filter}`);
    if (!g || !g.members.delete(clientid)) return;
    if (g.members.size === 0) {
      this.groups.delete(g.key);
      this.broker.unsubscribe(filter, g.listener, () => {});
    }
  }

  /** Messages a departed member never acknowledged (or never got) go to the others. */
  redeliver(from: string, packets: TaggedPacket[]): void {
    for (const p of packets) {
      const g = p[PACKET_TAG]?.shared ? this.groups.get(p[PACKET_TAG]!.shared!) : undefined;
      const member = g && this.pickConnected(g, from);
      if (!g || !member) continue;
      // The departed member must not get it again when it comes back.
      if (p.messageId !== undefined) this.broker.persistence.outgoingClearMessageId({ id: from }, { messageId: p.messageId }).catch(() => {});
      // A fresh broker counter: Aedes drops a packet whose counter is not above the last one
      // the receiving client saw, and this one is older than what the member already got.
      this.deliverTo(g, member, { ...p, brokerCounter: 0 }, () => {});
    }
  }

  private dispatch(g: Group, packet: AedesPublishPacket, cb: () => void): void {
    if (packet.topic.startsWith('$') && /^[+#]/.test(g.filter)) return cb();
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

  /** The packet as this member is to get it (its QoS, RETAIN and Subscription Identifier). */
  private forMember(g: Group, clientid: string, packet: AedesPublishPacket): TaggedPacket {
    const member = g.members.get(clientid) ?? { qos: 0 };
    const copy = copyPacket(packet as TaggedPacket, this.broker);
    copy.qos = Math.min(packet.qos, member.qos) as Qos;
    if (!member.rap) copy.retain = false;
    if (member.si !== undefined) copy.properties = { ...copy.properties, subscriptionIdentifier: member.si } as typeof copy.properties;
    copy[PACKET_TAG] = { ...(packet as TaggedPacket)[PACKET_TAG], shared: g.key };
    return copy;
  }

  private deliverTo(g: Group, client: Client, packet: AedesPublishPacket, cb: () => void): void {
    const copy = this.forMember(g, client.id, packet);
    if (copy.qos === 0 || client.clean) return client.deliverQoS(copy, () => cb());
    // Aedes stores every QoS 1/2 message of a persistent session before sending it (and
    // fails the client if it cannot find it); its own enqueue never sees shared members.
    this.broker.persistence.outgoingEnqueueCombi([{ clientId: client.id, topic: copy.topic, qos: copy.qos }], copy)
      .then(() => client.deliverQoS(copy, () => cb()), () => cb());
  }

  private pickConnected(g: Group, exclude?: string): Client | undefined {
    const ids = [...g.members.keys()].filter((id) => id !== exclude && this.broker.clients[id]?.connected);
    if (ids.length === 0) return undefined;
    return this.broker.clients[this.choose(g, ids)];
  }

  private pickOffline(g: Group): string | undefined {
    const ids = [...g.members.keys()].filter((id) => this.registry.get(id)?.persistent && !this.broker.clients[id]);
    return ids.length ? this.choose(g, ids) : undefined;
  }

  private choose(g: Group, ids: string[]): string {
    if (this.strategy === 'random') return ids[Math.floor(Math.random() * ids.length)];
    return ids[g.next++ % ids.length];
  }
}
