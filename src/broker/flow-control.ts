// Enforces `max_inflight` and `max_mqueue_len` for every connected client. It is a delivery stage
// (see aedes-seam.ts): at most max_inflight QoS 1/2 messages await acknowledgement — fewer when
// an MQTT 5 client's Receive Maximum is lower [MQTT-3.3.4-9] — and that window also paces the
// resend of a session's stored messages after a reconnect. The rest wait in a queue of at most
// max_mqueue_len; when it is full the oldest queued message is dropped, as
// RMQTT drops the earliest QoS 1/2 message (reported through `onDrop`, which also removes a
// persistent session's stored copy). Offline sessions' queues are bounded by the store.
// relaymq assigns the packet identifiers itself (Aedes keeps an identifier a packet already
// has), so a PUBACK/PUBCOMP releases exactly the message it acknowledges.
//
// Back-pressure: a queue that grows past CONGESTED means the subscriber acknowledges slower than
// its publishers publish. Dropping would waste what the broker already did for those messages,
// and lose acknowledged ones; instead the publishers of the messages arriving then are held
// (fair-intake.ts: their sockets are not read, TCP slows them) until the queue is down to half.
// A subscriber holds nobody once it acknowledged nothing for STALLED_MS, or after holding for
// MAX_HOLD_MS: a stuck or very slow one cannot hold its publishers back (its queue drops the
// oldest instead), and nobody else waits at all.
import type { Client } from 'aedes';
import type { AedesSeam, DeliverFn, DeliveryStage, InboundObserver, StoredWriter, WriteFn } from './aedes-seam.ts';
import { copyPacket, endsExchange, type TaggedPacket } from './packet.ts';
import type { Aedes } from 'aedes';

export type DropReason = 'queue_full' | 'expired';

/** A queue this long (or max_mqueue_len / 2, when less) holds its publishers back. */
const CONGESTED = 64;
/** A subscriber that acknowledged nothing for this long holds nobody back. */
const STALLED_MS = 1000;
/** Longest a subscriber holds its publishers back at a time. */
const MAX_HOLD_MS = 5000;

/**
 * Marks a copy Aedes really sent (each copy is one client's). A property, not a WeakSet: this
 * runs for every delivery, and a WeakSet entry costs far more to add and to collect.
 */
const FORWARDED = Symbol('forwarded');
type Forwarded = { [FORWARDED]?: true };

/** The in-flight map of every client that never had a QoS 1/2 message: shared, never written. */
const NOTHING_INFLIGHT = new Map<number, TaggedPacket>();

interface ClientFlow {
  client: Client;
  /** Sent and not yet acknowledged, by packet id (NOTHING_INFLIGHT until the first). */
  inflight: Map<number, TaggedPacket>;
  /** Stored messages to resend (after a reconnect), waiting for room in the window. */
  held: { packet: TaggedPacket; write: WriteFn; done: (err?: Error) => void }[];
  queue: TaggedPacket[];
  /** Messages that ever left the front of `queue`: queue[i] is the session's message number shifted + i. */
  shifted: number;
  /** When the client last acknowledged a message (ms). */
  lastAck: number;
  /** Since when it holds publishers back (ms); 0: it does not. */
  holdingSince: number;
}

export interface Detached {
  /** Sent and not acknowledged. */
  unacked: TaggedPacket[];
  /** Never sent. */
  queued: TaggedPacket[];
}

export class FlowControl {
  // A Map, not a WeakMap: detach() removes entries, and the totals are kept as they change.
  // A client has a flow from its first QoS 1/2 message on: an idle connection costs nothing here.
  private readonly flows = new Map<Client, ClientFlow>();
  /**
   * The delivery stage after this one: the seam passes the same one every time, and every
   * queued message came through the stage, so it is set before anything is sent from a queue.
   */
  private next?: DeliverFn;
  private inflightTotal = 0;
  private queuedTotal = 0;

  /** Flows holding publishers back, checked for a stall. */
  private readonly holding = new Set<ClientFlow>();
  private stallCheck?: NodeJS.Timeout;
  /** Queue length from which a subscriber holds its publishers back. */
  private readonly congested: number;

  constructor(
    private readonly broker: Aedes,
    private readonly seam: AedesSeam,
    private readonly limits: { maxInflight: number; maxQueue: number },
    private readonly onDrop: (client: Client, packet: TaggedPacket, reason: DropReason) => void,
  ) {
    this.congested = Math.max(1, Math.min(CONGESTED, Math.floor(limits.maxQueue / 2)));
  }

  readonly stage: DeliveryStage = (client, packet, cb, next) => {
    this.next = next;
    if (packet.qos === 0) return next(client, packet, cb);
    const flow = this.flowOf(client);
    if (!flow) return next(client, packet, cb); // closed: Aedes writes nothing more
    if (flow.inflight.size < this.window(flow) && flow.held.length === 0) return this.send(client, flow, packet, cb);
    this.enqueue(client, flow, packet);
    setImmediate(cb);
  };

  /** Resends of stored messages (and PUBRELs) after a reconnect take their place in the window. */
  readonly stored: StoredWriter = (client, packet, write, done) => {
    const flow = typeof packet.messageId === 'number' ? this.flowOf(client) : undefined;
    if (!flow) return write(client, packet, done);
    if (flow.inflight.size < this.window(flow)) {
      this.track(flow, packet.messageId!, packet);
      return write(client, packet, done);
    }
    flow.held.push({ packet, write, done });
  };

  /** PUBACK, PUBCOMP and failed PUBREC release their message. */
  readonly inbound: InboundObserver = (client, packet) => {
    if (endsExchange(packet)) {
      this.acknowledged(client, packet.messageId!);
    }
  };

  /** Called by the forward hook: Aedes really sends this packet (it may skip one: duplicate, no-local). */
  forwarded(client: Client, packet: TaggedPacket): void {
    if (packet.qos === 0) return; // nothing to track (this runs for every delivery)
    (packet as Forwarded)[FORWARDED] = true;
  }

  /** A message in flight that will not be sent after all (too large, expired): its slot is free. */
  release(client: Client, messageId: number): void {
    const flow = this.flows.get(client);
    if (flow && this.untrack(flow, messageId)) this.drain(client, flow);
  }

  /** The in-flight packet with this identifier, if any. */
  find(client: Client, messageId: number): TaggedPacket | undefined {
    return this.flows.get(client)?.inflight.get(messageId);
  }

  /** Totals over every connected client, for the stats. O(1). */
  totals(): { inflight: number; queued: number } {
    return { inflight: this.inflightTotal, queued: this.queuedTotal };
  }

  inflight(client: Client): number {
    return this.flows.get(client)?.inflight.size ?? 0;
  }

  queued(client: Client): number {
    return this.flows.get(client)?.queue.length ?? 0;
  }

  /**
   * What waits for a connected client (the API's view; no copies, do not modify): the queue with
   * the number of its first message (numbers never change while the client stays connected), and
   * the messages in flight by packet id.
   */
  pending(client: Client): { first: number; queue: readonly TaggedPacket[]; inflight: ReadonlyMap<number, TaggedPacket> } | undefined {
    const flow = this.flows.get(client);
    return flow && { first: flow.shifted, queue: flow.queue, inflight: flow.inflight };
  }

  /** The client is gone: hands back what it never acknowledged and what never left the queue. */
  detach(client: Client): Detached {
    const flow = this.flows.get(client);
    if (!flow) return { unacked: [], queued: [] };
    this.flows.delete(client);
    this.stopHolding(flow);
    this.inflightTotal -= flow.inflight.size;
    this.queuedTotal -= flow.queue.length;
    // Held resends stay in the store for the next connection; let Aedes' resend loop end.
    for (const h of flow.held.splice(0)) h.done();
    return { unacked: [...flow.inflight.values()], queued: flow.queue.splice(0) };
  }

  /** The client's flow, made on first use; none once it is closed (detach() has run or will not). */
  private flowOf(client: Client): ClientFlow | undefined {
    let flow = this.flows.get(client);
    if (flow || client.closed) return flow;
    flow = { client, inflight: NOTHING_INFLIGHT, held: [], queue: [], shifted: 0, lastAck: Date.now(), holdingSince: 0 };
    this.flows.set(client, flow);
    return flow;
  }

  private acknowledged(client: Client, messageId: number): void {
    const flow = this.flows.get(client);
    if (!flow || !this.untrack(flow, messageId)) return;
    flow.lastAck = Date.now();
    this.drain(client, flow);
  }

  private enqueue(client: Client, flow: ClientFlow, packet: TaggedPacket): void {
    if (this.limits.maxQueue === 0) return this.onDrop(client, packet, 'queue_full');
    if (flow.queue.length >= this.limits.maxQueue) {
      this.queuedTotal--;
      flow.shifted++;
      this.onDrop(client, flow.queue.shift()!, 'queue_full');
    }
    flow.queue.push(packet);
    this.queuedTotal++;
    if (flow.queue.length >= this.congested) this.holdPublisher(flow, packet);
  }

  /** Holds the message's publisher back while this subscriber is slow but alive. */
  private holdPublisher(flow: ClientFlow, packet: TaggedPacket): void {
    const now = Date.now();
    if (holdsNobody(flow, now)) return this.stopHolding(flow);
    const publisher = this.seam.publisherOf(packet);
    if (!publisher || publisher === flow.client) return;
    if (!flow.holdingSince) {
      flow.holdingSince = now;
      this.holding.add(flow);
      this.stallCheck ??= setInterval(() => this.checkStalls(), STALLED_MS / 4).unref();
    }
    this.seam.hold(publisher, flow);
  }

  private stopHolding(flow: ClientFlow): void {
    if (!this.holding.delete(flow)) return;
    this.seam.release(flow);
    if (this.holding.size === 0) {
      clearInterval(this.stallCheck);
      this.stallCheck = undefined;
    }
  }

  /** Subscribers that stopped acknowledging, or held too long, let their publishers go. */
  private checkStalls(): void {
    const now = Date.now();
    for (const flow of this.holding) if (holdsNobody(flow, now)) this.stopHolding(flow);
  }

  private send(client: Client, flow: ClientFlow, packet: TaggedPacket, cb: (err?: Error) => void): void {
    const copy = copyPacket(packet, this.broker);
    const id = this.seam.nextPacketId(client, (x) => flow.inflight.has(x));
    copy.messageId = id;
    this.track(flow, id, copy);
    this.next!(client, copy, (err) => {
      // Aedes may decide not to send it (duplicate, no-local): then nothing will ack it.
      if (!(copy as Forwarded)[FORWARDED] && flow.inflight.get(id) === copy) {
        this.untrack(flow, id);
        this.drain(client, flow);
      }
      cb(err);
    });
  }

  /** max_inflight, or the client's Receive Maximum when lower. */
  private window(flow: ClientFlow): number {
    return Math.min(this.limits.maxInflight, flow.client.receiveMaximum ?? this.limits.maxInflight);
  }

  private drain(client: Client, flow: ClientFlow): void {
    // Stored resends first: they are older than anything queued since the reconnect.
    while (flow.inflight.size < this.window(flow) && flow.held.length > 0) {
      const { packet, write, done } = flow.held.shift()!;
      this.track(flow, packet.messageId!, packet);
      write(client, packet, done);
    }
    while (flow.inflight.size < this.window(flow) && flow.queue.length > 0) {
      const next = flow.queue.shift()!;
      flow.shifted++;
      this.queuedTotal--;
      const expiry = (next as { messageExpiry?: number }).messageExpiry;
      if (expiry !== undefined && expiry <= Date.now()) {
        this.onDrop(client, next, 'expired');
        continue;
      }
      this.send(client, flow, next, noop);
    }
    if (flow.queue.length <= this.congested / 2) {
      this.stopHolding(flow);
      flow.holdingSince = 0;
    }
  }

  private track(flow: ClientFlow, id: number, packet: TaggedPacket): void {
    if (flow.inflight === NOTHING_INFLIGHT) flow.inflight = new Map();
    if (!flow.inflight.has(id)) this.inflightTotal++;
    flow.inflight.set(id, packet);
  }

  private untrack(flow: ClientFlow, id: number): boolean {
    if (!flow.inflight.delete(id)) return false;
    this.inflightTotal--;
    return true;
  }
}

function noop(): void {}

/** A subscriber that stopped acknowledging, or has held its publishers too long, holds nobody. */
function holdsNobody(flow: ClientFlow, now: number): boolean {
  return now - flow.lastAck > STALLED_MS || (flow.holdingSince > 0 && now - flow.holdingSince > MAX_HOLD_MS);
}
