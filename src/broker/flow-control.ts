// Enforces `max_inflight` and `max_mqueue_len` per connected session. Aedes writes every QoS
// 1/2 message at once; here each client's deliverQoS is wrapped so that at most max_inflight
// messages await acknowledgement, and the rest wait in a queue of at most max_mqueue_len
// (beyond it a message is dropped and reported). relaymq assigns the packet identifiers
// itself (Aedes keeps an identifier a packet already has), so a PUBACK/PUBCOMP — seen by
// the parser listener of SessionTracker — releases exactly the message it acknowledges.
import type { Aedes, AedesPublishPacket, Client } from 'aedes';
import { copyPacket } from './packet.ts';

/** Metadata relaymq attaches to a packet and that survives FlowControl's copies. */
export const PACKET_TAG = Symbol('relaymq.packetTag');
export interface PacketTag {
  /** Shared-subscription group key this delivery came from. */
  shared?: string;
  /** Set when the source cannot be told from the packet (retained messages sent on subscribe). */
  source?: import('./hooks.ts').MessageSource;
}
export type TaggedPacket = AedesPublishPacket & { [PACKET_TAG]?: PacketTag };

export type DropReason = 'queue_full' | 'expired';

interface ClientFlow {
  inflight: Map<number, TaggedPacket>;
  queue: TaggedPacket[];
  forwarded: WeakSet<object>;
  original: Client['deliverQoS'];
}

export interface Detached {
  /** Sent and not acknowledged. */
  unacked: TaggedPacket[];
  /** Never sent. */
  queued: TaggedPacket[];
}

export class FlowControl {
  // A Map, not a WeakMap: the stats add up every connected client. detach() removes entries.
  private readonly flows = new Map<Client, ClientFlow>();

  constructor(
    private readonly broker: Aedes,
    private readonly limits: { maxInflight: number; maxQueue: number },
    private readonly onDrop: (client: Client, packet: TaggedPacket, reason: DropReason) => void,
  ) {}

  /** Wraps the client's QoS delivery; call once, right after the client is created. */
  attach(client: Client): void {
    const flow: ClientFlow = { inflight: new Map(), queue: [], forwarded: new WeakSet(), original: client.deliverQoS };
    this.flows.set(client, flow);
    client.deliverQoS = (packet, cb) => {
      if (packet.qos === 0) return flow.original(packet, cb);
      if (flow.inflight.size < this.limits.maxInflight) return this.send(client, flow, packet, cb);
      if (flow.queue.length >= this.limits.maxQueue) this.onDrop(client, packet, 'queue_full');
      else flow.queue.push(packet);
      setImmediate(cb);
    };
  }

  /**
   * Called by the forward hook: the packet really goes out to this client. A QoS 1/2 packet
   * that did not pass through deliverQoS (Aedes resending a stored queue on reconnect) is
   * in flight too from now on.
   */
  forwarded(client: Client, packet: TaggedPacket): void {
    if (packet.qos === 0) return; // nothing to track (this runs for every delivery)
    const flow = this.flows.get(client);
    if (!flow) return;
    flow.forwarded.add(packet);
    if (typeof packet.messageId === 'number' && !flow.inflight.has(packet.messageId)) {
      flow.inflight.set(packet.messageId, packet);
    }
  }

  /** The in-flight packet with this identifier, if any. */
  find(client: Client, messageId: number): TaggedPacket | undefined {
    return this.flows.get(client)?.inflight.get(messageId);
  }

  /** A PUBACK, PUBCOMP or failed PUBREC for `messageId` arrived from the client. */
  acknowledged(client: Client, messageId: number): void {
    const flow = this.flows.get(client);
    if (!flow || !flow.inflight.delete(messageId)) return;
    this.drain(client, flow);
  }

  /** Totals over every connected client, for the stats. */
  totals(): { inflight: number; queued: number } {
    let inflight = 0;
    let queued = 0;
    for (const f of this.flows.values()) {
      inflight += f.inflight.size;
      queued += f.queue.length;
    }
    return { inflight, queued };
  }

  inflight(client: Client): number {
    return this.flows.get(client)?.inflight.size ?? 0;
  }

  queued(client: Client): number {
    return this.flows.get(client)?.queue.length ?? 0;
  }

  /** The client is gone: hands back what it never acknowledged and what never left the queue. */
  detach(client: Client): Detached {
    const flow = this.flows.get(client);
    if (!flow) return { unacked: [], queued: [] };
    this.flows.delete(client);
    return { unacked: [...flow.inflight.values()], queued: flow.queue.splice(0) };
  }

  private send(client: Client, flow: ClientFlow, packet: TaggedPacket, cb: (err?: Error) => void): void {
    const copy = copyPacket(packet as TaggedPacket, this.broker);
    copy[PACKET_TAG] = packet[PACKET_TAG];
    copy.messageId = this.nextId(client, flow);
    flow.inflight.set(copy.messageId, copy);
    flow.original(copy, (err) => {
      // Aedes may decide not to send it (duplicate, no-local): then nothing will ack it.
      if (!flow.forwarded.has(copy) && flow.inflight.get(copy.messageId!) === copy) {
        flow.inflight.delete(copy.messageId!);
        this.drain(client, flow);
      }
      cb(err);
    });
  }

  private drain(client: Client, flow: ClientFlow): void {
    while (flow.inflight.size < this.limits.maxInflight && flow.queue.length > 0) {
      const next = flow.queue.shift()!;
      const expiry = (next as { messageExpiry?: number }).messageExpiry;
      if (expiry !== undefined && expiry <= Date.now()) {
        this.onDrop(client, next, 'expired');
        continue;
      }
      this.send(client, flow, next, () => {});
    }
  }

  /** Aedes' own rotation (1..65535), skipping identifiers still in flight. */
  private nextId(client: Client, flow: ClientFlow): number {
    for (;;) {
      const id = client._nextId;
      client._nextId = id >= 65535 ? 1 : id + 1;
      if (!flow.inflight.has(id)) return id;
    }
  }
}
