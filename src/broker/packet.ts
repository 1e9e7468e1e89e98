// Packets as relaymq handles them: aedes-packet's constructor (typed: its typings declare a
// plain function) and the tag relaymq attaches to a packet, which survives its copies.
import PacketCtor from 'aedes-packet';
import type { Aedes, AedesPublishPacket } from 'aedes';
import type { MessageSource } from './hooks.ts';

type PacketConstructor = new (original: object, broker?: Aedes) => AedesPublishPacket;
const Packet = PacketCtor as unknown as PacketConstructor;

/** Metadata relaymq attaches to a packet. */
export const PACKET_TAG = Symbol('relaymq.packetTag');
export interface PacketTag {
  /** Shared-subscription group key this delivery came from. */
  shared?: string;
  /** Set when the source cannot be told from the packet (retained messages sent on subscribe). */
  source?: MessageSource;
  /** Routed here by another node of the cluster (that node decides shared-subscription deliveries). */
  fromOtherNode?: boolean;
}
export type TaggedPacket = AedesPublishPacket & { [PACKET_TAG]?: PacketTag };

/**
 * A copy that keeps the broker id and counter of the original (Aedes' duplicate detection and
 * the store rely on them) and the tag, and clears the packet identifier.
 */
export function copyPacket<T extends TaggedPacket>(original: T, broker: Aedes): T {
  const copy = new Packet(original, broker) as T;
  copy[PACKET_TAG] = original[PACKET_TAG];
  return copy;
}

/** The identity of a message across copies: the broker that numbered it and its number. */
export function sameMessage(a: { brokerId?: string; brokerCounter?: number }, b: { brokerId?: string; brokerCounter?: number }): boolean {
  return a.brokerId !== undefined && a.brokerId === b.brokerId && a.brokerCounter === b.brokerCounter;
}

/**
 * Whether this acknowledgement ends a QoS 1/2 exchange for its packet id: a PUBACK, a PUBCOMP,
 * or a PUBREC with an error code (no PUBREL follows) [MQTT-4.3.3].
 */
export function endsExchange(packet: { cmd: string; reasonCode?: number }): boolean {
  return packet.cmd === 'puback' || packet.cmd === 'pubcomp' || (packet.cmd === 'pubrec' && (packet.reasonCode ?? 0) >= 0x80);
}
