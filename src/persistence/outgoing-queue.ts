// The stored outgoing queue of one session: QoS 1/2 messages waiting for it, or sent and not
// yet acknowledged (those carry a packet id; a PUBREL replaces its PUBLISH once PUBREC came).
// Entries are kept in order of their sequence number, with two indexes: by packet id (for
// acknowledgements) and by origin, the broker id and counter Aedes gives every message (for
// Aedes' outgoingUpdate when the message is sent).
import type { StoredPacket } from './codec.ts';

export interface QueueEntry {
  seq: number;
  packet: StoredPacket;
}

const originOf = (p: { brokerId?: string; brokerCounter?: number }) => `${p.brokerId}\u0000${p.brokerCounter}`;

export class OutgoingQueue {
  /** By sequence number; a Map keeps insertion order, and entries are inserted in sequence order. */
  private readonly entries = new Map<number, QueueEntry>();
  private readonly byId = new Map<number, QueueEntry>();
  private readonly byOrigin = new Map<string, QueueEntry>();

  get size(): number {
    return this.entries.size;
  }

  add(entry: QueueEntry): void {
    this.entries.set(entry.seq, entry);
    this.index(entry);
  }

  /** The entry for this message (same broker id and counter), if queued. */
  byMessage(packet: { brokerId?: string; brokerCounter?: number }): QueueEntry | undefined {
    if (!packet.brokerId) return undefined;
    const e = this.byOrigin.get(originOf(packet));
    return e && this.entries.has(e.seq) ? e : undefined;
  }

  bySeq(seq: number): QueueEntry | undefined {
    return this.entries.get(seq);
  }

  /** The entry carrying this packet id. */
  byMessageId(messageId: number): QueueEntry | undefined {
    const e = this.byId.get(messageId);
    if (e && this.entries.has(e.seq) && e.packet.messageId === messageId) return e;
    for (const x of this.entries.values()) if (x.packet.messageId === messageId) return x;
    return undefined;
  }

  /** Replaces an entry's packet (a packet id was assigned, or a PUBREL replaced the PUBLISH). */
  replace(entry: QueueEntry, packet: StoredPacket): void {
    const current = this.entries.get(entry.seq);
    if (!current) return;
    this.unindex(current);
    current.packet = packet;
    this.index(current);
  }

  remove(seq: number): QueueEntry | undefined {
    const e = this.entries.get(seq);
    if (!e) return undefined;
    this.entries.delete(seq);
    this.unindex(e);
    return e;
  }

  /** The oldest entry never sent (no packet id), else the oldest of all. */
  oldestToDrop(): QueueEntry | undefined {
    let first: QueueEntry | undefined;
    for (const e of this.entries.values()) {
      if (e.packet.messageId === undefined) return e;
      first ??= e;
    }
    return first;
  }

  values(): IterableIterator<QueueEntry> {
    return this.entries.values();
  }

  private index(e: QueueEntry): void {
    if (e.packet.messageId !== undefined) this.byId.set(e.packet.messageId, e);
    if (e.packet.brokerId) this.byOrigin.set(originOf(e.packet), e);
  }

  private unindex(e: QueueEntry): void {
    const id = e.packet.messageId;
    if (id !== undefined && this.byId.get(id) === e) this.byId.delete(id);
    if (e.packet.brokerId) {
      const origin = originOf(e.packet);
      if (this.byOrigin.get(origin) === e) this.byOrigin.delete(origin);
    }
  }
}
