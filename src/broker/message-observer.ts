// Watches messages and client packets and reports them as BrokerEvents: where each message
// came from (RMQTT's sources: admin = HTTP API, custom = MQTT clients, lastwill, retain =
// retained messages sent to a new subscription, system = $SYS), whether it had a route, its
// deliveries and acknowledgements. Also keeps the live figure the stats need of retained
// messages (with their expiry).
//
// Aedes' own `$SYS/<broker id>/…` messages (heartbeat, new/clients…) are its cluster plumbing,
// not messages anyone published; they are not reported.
import type { Aedes, AedesPublishPacket, Client } from 'aedes';
import type { BrokerHooks, MessageInfo, MessageSource } from './hooks.ts';
import type { DeliveryStage, InboundObserver } from './aedes-seam.ts';
import type { FlowControl } from './flow-control.ts';
import type { MqttStore } from '../persistence/mqtt-store.ts';
import { PACKET_TAG, type TaggedPacket } from './packet.ts';
import type { RouteIndex } from './route-index.ts';

/** Sources other than `custom`, by broker counter; bounded, oldest forgotten first. */
const MAX_REMEMBERED = 100_000;

export class MessageObserver {
  private readonly sources = new Map<number, MessageSource>();
  /** Retained topics → absolute expiry (ms) or null. */
  private readonly retained = new Map<string, number | null>();
  private readonly internalPrefix: string;

  constructor(
    private readonly broker: Aedes,
    private readonly hooks: BrokerHooks,
    private readonly routes: RouteIndex,
    private readonly flow: FlowControl,
    private readonly store: MqttStore,
  ) {
    this.internalPrefix = `$SYS/${broker.id}/`;
  }

  install(): void {
    this.hooks.add('forward', (client, packet) => {
      if (!this.hooks.listened('message.delivered') || packet.topic.startsWith(this.internalPrefix)) return;
      this.hooks.emit('message.delivered', { clientid: client.id, message: this.info(packet) });
    });
  }

  /** Another node of the cluster stored (or removed, `packet` undefined) a retained message. */
  retainedChanged(topic: string, packet: { messageExpiry?: number } | undefined): void {
    if (packet) this.retained.set(topic, packet.messageExpiry ?? null);
    else this.retained.delete(topic);
  }

  /** Reads the retained messages already in the store (at startup). */
  loadRetained(): void {
    for (const p of this.store.retainedMessages()) this.retained.set(p.topic, p.messageExpiry ?? null);
  }

  /** Every message entering the broker (seam `publish` observer). */
  readonly publish = (packet: AedesPublishPacket, client: Client | null): void => {
    if (!packet.topic.startsWith(this.internalPrefix)) this.entered(packet, client);
  };

  /** A message Aedes could not take (the store refused it): not acknowledged, so dropped. */
  readonly refused = (packet: AedesPublishPacket, client: Client | null, err: Error): void => {
    if (packet.topic.startsWith(this.internalPrefix)) return;
    this.hooks.emit('message.dropped', { clientid: client?.id, message: this.info(packet), reason: err.message });
  };

  /** Aedes sends a retained message to a new subscription as a packet without broker id. */
  readonly stage: DeliveryStage = (client, packet: TaggedPacket, cb, next) => {
    if (packet.retain && packet.brokerId === null) {
      packet[PACKET_TAG] = { ...packet[PACKET_TAG], source: 'retain' };
      this.hooks.emit('message.publish', { message: this.info(packet), routed: true });
    }
    next(client, packet, cb);
  };

  /** Client packets, before FlowControl releases what they acknowledge. */
  readonly inbound: InboundObserver = (client, p) => {
    switch (p.cmd) {
      case 'subscribe':
        for (const s of p.subscriptions ?? []) this.hooks.emit('client.subscribe', { clientid: client.id, filter: s.topic, qos: s.qos });
        break;
      case 'unsubscribe':
        for (const f of p.unsubscriptions ?? []) this.hooks.emit('client.unsubscribe', { clientid: client.id, filter: f });
        break;
      case 'puback':
      case 'pubrec': {
        const sent = this.hooks.listened('message.acked') && this.flow.find(client, p.messageId!);
        if (sent) this.hooks.emit('message.acked', { clientid: client.id, message: this.info(sent) });
        break;
      }
    }
  };

  /** Retained messages known, without first dropping expired ones (O(1)). */
  retainedSize(): number {
    return this.retained.size;
  }

  /** Retained messages that have not expired. */
  retainedCount(): number {
    const now = Date.now();
    for (const [topic, expiry] of this.retained) if (expiry !== null && expiry <= now) this.retained.delete(topic);
    return this.retained.size;
  }

  info(packet: TaggedPacket, source = this.sourceOf(packet)): MessageInfo {
    return {
      // The packet's own buffer, not a copy (this runs for every message): listeners must not modify it.
      topic: packet.topic, qos: packet.qos, retain: packet.retain, payload: packet.payload as Buffer,
      from: (packet as { clientId?: string }).clientId, source,
    };
  }

  private sourceOf(packet: TaggedPacket): MessageSource {
    const tagged = packet[PACKET_TAG]?.source;
    if (tagged) return tagged;
    const known = packet.brokerId === this.broker.id ? this.sources.get(packet.brokerCounter) : undefined;
    return known ?? (packet.topic.startsWith('$SYS/') ? 'system' : 'custom');
  }

  private entered(packet: AedesPublishPacket, client: Client | null): void {
    // The counter Aedes would give the packet, given now so that deliveries can be traced back.
    packet.brokerId = this.broker.id;
    packet.brokerCounter = ++(this.broker as unknown as { counter: number }).counter;
    // Aedes publishes a will on behalf of its client once that connection is closed; the
    // cluster tags the wills of a dead node's clients it publishes.
    const tagged = (packet as TaggedPacket)[PACKET_TAG]?.source;
    const source: MessageSource = tagged ?? (packet.topic.startsWith('$SYS/') ? 'system'
      : client ? (client.closed ? 'lastwill' : 'custom') : 'admin');
    if (source !== 'custom') {
      this.sources.set(packet.brokerCounter, source);
      if (this.sources.size > MAX_REMEMBERED) this.sources.delete(this.sources.keys().next().value!);
    }
    if (packet.retain) {
      if (packet.payload.length === 0) this.retained.delete(packet.topic);
      else {
        const expiry = (packet.properties as { messageExpiryInterval?: number } | undefined)?.messageExpiryInterval;
        this.retained.set(packet.topic, expiry ? Date.now() + expiry * 1000 : null);
      }
    }
    if (!this.hooks.listened('message.publish')) return;
    const message = this.info(packet, source);
    // Aedes sets packet.clientId only after this point; the publisher is known here.
    if (client) message.from = client.id;
    this.hooks.emit('message.publish', { message, routed: this.routes.matches(packet.topic) });
  }
}
