// The last word on every packet written to a client (a seam outbound stage), where the rules
// that depend on the receiving connection apply:
//   - Message Expiry [MQTT-3.3.2-5/6]: an expired message is not sent (any protocol version);
//     an MQTT 5 client gets the remaining interval, not the original one.
//   - Subscription Identifiers [MQTT-3.3.4-3]: the one copy sent carries the identifiers of
//     every matching subscription of the client that has one (Aedes sends only the first's).
//   - Maximum Packet Size [MQTT-3.1.2-24/25]: a packet larger than the client accepts is never
//     sent; a QoS 1/2 one counts as delivered (its in-flight slot is released), and as dropped.
//   - Topic Alias [MQTT-3.3.2-7..]: when the client allows aliases, a topic sent before on this
//     connection goes as an alias (least recently used aliases are reassigned).
//   - Request Problem Information = 0 [MQTT-3.1.2-29]: no Reason String or User Properties on
//     packets other than PUBLISH, CONNACK and DISCONNECT.
// A message that is not sent releases its in-flight slot and its stored copy (onNotSent).
import mqttPacket from 'mqtt-packet';
import type { Client, ConnectPacket } from 'aedes';
import type { BrokerHooks } from './hooks.ts';
import type { AedesSeam, OutboundPacket, OutboundStage } from './aedes-seam.ts';
import { PACKET_TAG, type TaggedPacket } from './packet.ts';
import { INTERNAL_SHARE_PREFIX, topicMatches } from './topics.ts';

export type NotSentReason = 'expired' | 'too large for the client';

interface ClientState {
  version: number;
  maximumPacketSize?: number;
  topicAliasMaximum: number;
  problemInformation: boolean;
  /** Topic → alias, least recently used first (made on the first alias). */
  aliases?: Map<string, number>;
  /** Subscription identifiers by topic (cleared when the client's subscriptions change). */
  ids?: Map<string, number[]>;
}

const ALWAYS_INFORMATIVE = new Set(['publish', 'connack', 'disconnect']);

/** Every MQTT 3.1.1 connection's state: only expiry applies to them, so they share it. */
const V3_STATE: Readonly<ClientState> = Object.freeze({ version: 4, topicAliasMaximum: 0, problemInformation: true });

export class OutboundRules {
  private readonly clients = new WeakMap<Client, ClientState>();

  constructor(private readonly onNotSent: (client: Client, packet: TaggedPacket, reason: NotSentReason) => void) {}

  install(hooks: BrokerHooks, seam: AedesSeam): void {
    hooks.add('connect', (client: Client, packet: ConnectPacket) => {
      const p = packet.properties as { maximumPacketSize?: number; topicAliasMaximum?: number; requestProblemInformation?: boolean } | undefined;
      this.clients.set(client, packet.protocolVersion !== 5 ? V3_STATE : {
        version: 5,
        maximumPacketSize: p?.maximumPacketSize,
        topicAliasMaximum: p?.topicAliasMaximum ?? 0,
        problemInformation: p?.requestProblemInformation !== false,
      });
    });
    const changed = (_subs: unknown, client: Client) => { const s = this.clients.get(client); if (s?.ids) s.ids = undefined; };
    seam.on('subscribe', changed);
    seam.on('unsubscribe', changed);
  }

  readonly stage: OutboundStage = (client, packet) => {
    const state = this.clients.get(client);
    if (!state) return packet;
    if (packet.cmd !== 'publish') {
      if (state.problemInformation || ALWAYS_INFORMATIVE.has(packet.cmd) || !packet.properties) return packet;
      const { reasonString: _r, userProperties: _u, ...rest } = packet.properties;
      return { ...packet, properties: rest };
    }
    const expiry = (packet as { messageExpiry?: number }).messageExpiry;
    const remainingMs = expiry === undefined ? undefined : expiry - Date.now();
    if (remainingMs !== undefined && remainingMs <= 0) return this.notSent(client, packet, 'expired');
    if (state.version !== 5) return packet;

    // Properties are shared by every copy of a message: changes go into a new object, made
    // only when there is a change (most messages have none).
    let properties: Record<string, unknown> | undefined;
    if (remainingMs !== undefined) (properties ??= { ...packet.properties }).messageExpiryInterval = Math.ceil(remainingMs / 1000);
    const ids = this.subscriptionIds(client, state, packet as TaggedPacket);
    if (ids) (properties ??= { ...packet.properties }).subscriptionIdentifier = ids.length === 1 ? ids[0] : ids;
    let out: OutboundPacket = properties ? { ...packet, properties } : packet;
    if (state.maximumPacketSize !== undefined && tooLarge(out, state.maximumPacketSize)) return this.notSent(client, packet, 'too large for the client');
    if (state.topicAliasMaximum > 0) out = this.alias(state, out);
    return out;
  };

  private notSent(client: Client, packet: OutboundPacket, reason: NotSentReason): null {
    this.onNotSent(client, packet as TaggedPacket, reason);
    return null;
  }

  /**
   * The identifiers of every subscription of the client matching the topic, or undefined to
   * leave the packet as Aedes made it (no identifiers at all, a shared delivery — which carries
   * its member's — or a retained message sent for one new subscription).
   */
  private subscriptionIds(client: Client, state: ClientState, packet: TaggedPacket): number[] | undefined {
    if (packet[PACKET_TAG]?.shared || packet[PACKET_TAG]?.source === 'retain' || packet.brokerId === null) return undefined;
    state.ids ??= new Map();
    let ids = state.ids.get(packet.topic);
    if (!ids) {
      ids = [];
      for (const [filter, sub] of Object.entries(client.subscriptions)) {
        const si = (sub as { si?: number }).si;
        if (si !== undefined && !filter.startsWith(INTERNAL_SHARE_PREFIX) && topicMatches(filter, packet.topic)) ids.push(si);
      }
      if (state.ids.size > 1000) state.ids.clear();
      state.ids.set(packet.topic, ids);
    }
    return ids.length ? ids : undefined;
  }

  private alias(state: ClientState, packet: OutboundPacket): OutboundPacket {
    const topic = packet.topic!;
    const aliases = (state.aliases ??= new Map());
    const known = aliases.get(topic);
    if (known !== undefined) {
      aliases.delete(topic); // most recently used goes last
      aliases.set(topic, known);
      return { ...packet, topic: '', properties: { ...packet.properties, topicAlias: known } };
    }
    let alias = aliases.size + 1;
    if (aliases.size >= state.topicAliasMaximum) {
      const [oldest, number] = aliases.entries().next().value!;
      aliases.delete(oldest);
      alias = number;
    }
    aliases.set(topic, alias);
    return { ...packet, properties: { ...packet.properties, topicAlias: alias } };
  }
}

/** Whether the packet, as MQTT 5 writes it, is larger than `max` bytes (exact near the limit). */
function tooLarge(packet: OutboundPacket, max: number): boolean {
  const payload = packet.payload as Buffer | string | undefined;
  const payloadBytes = payload === undefined ? 0 : typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const propsBound = packet.properties ? 4 * JSON.stringify(packet.properties).length : 0;
  if (payloadBytes + Buffer.byteLength(packet.topic ?? '') + propsBound + 16 <= max) return false;
  return mqttPacket.generate(packet as never, { protocolVersion: 5 }).length > max;
}
