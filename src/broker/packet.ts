// aedes-packet's constructor, typed: its typings declare it as a plain function. A copy keeps
// the broker id and counter of the original (Aedes' duplicate detection relies on them) and
// clears the packet identifier.
import PacketCtor from 'aedes-packet';
import type { Aedes, AedesPublishPacket } from 'aedes';

type PacketConstructor = new (original: object, broker?: Aedes) => AedesPublishPacket;
const Packet = PacketCtor as unknown as PacketConstructor;

export function copyPacket<T extends AedesPublishPacket>(original: T, broker: Aedes): T {
  return new Packet(original, broker) as T;
}
