// The one seam between relaymq and Aedes. Where Aedes itself is wrong it is patched
// (patches/aedes+*.patch); everything else relaymq needs from Aedes beyond its public options and
// events goes through here, in an order fixed in one place (app.ts builds the lists):
//
//   publish   every message entering the broker (client PUBLISH, will, $SYS, HTTP API), before
//             Aedes stores and routes it — broker.publish is Aedes' single entry point — and
//   refused   those of them Aedes could not take: a client's QoS 1/2 PUBLISH refused (Aedes'
//             'publishRefused', patch 001), or any other publish whose callback failed;
//   inbound   every packet a client sends, before Aedes handles it — the seam takes the place
//             of Aedes' parser listener and calls it last; an observer may rewrite a packet
//             (SUBSCRIBE filters) or refuse it ('drop', after disconnecting the client), and
//             then neither the later observers nor Aedes see it;
//   deliver   every QoS 0/1/2 delivery to a client (live, retained on subscribe, shared) — a
//             wrapper around the client's deliverQoS, which Aedes calls for each of them;
//   outbound  every packet written to a client (Aedes' beforeWrite option, patch 014): a stage
//             may change it (a copy) or not send it; the seam itself batches the writes of a
//             turn to each client into one system call (write-batching.ts);
//   stored    the resend of a stored message after a reconnect (client.writeStored, patch 015),
//             which flow control paces;
//   closed    every connection once closed — also one that never registered (superseded by a
//             newer connection with its client id, or closed during CONNECT), for which Aedes
//             emits no 'clientDisconnect';
//   events    Aedes' broker events.
//
// Each observer runs isolated: one that throws is logged and skipped, and Aedes' own callback
// still runs, so a bug in a listener cannot wedge a client or the broker. The Aedes internals
// read here (client._parser and its `client`, conn.client, client.deliverQoS, client._nextId,
// the prototype's writeStored, broker._takingOver) are each covered by a test
// (test/aedes-seam.test.ts) that fails when Aedes' behaviour changes.
import type { Aedes, AedesPublishPacket, Client, Subscription } from 'aedes';
import { FairIntake } from './fair-intake.ts';
import { WriteBatch } from './write-batching.ts';
import type { Logger } from '../util/log.ts';

/** A packet from a client, as mqtt-packet parsed it. */
export interface InboundPacket {
  cmd: string;
  messageId?: number;
  qos?: number;
  topic?: string;
  reasonCode?: number;
  subscriptions?: Subscription[];
  unsubscriptions?: string[];
  properties?: Record<string, unknown>;
}

export type PublishObserver = (packet: AedesPublishPacket, client: Client | null) => void;
/** Returns 'drop' to refuse the packet (having disconnected the client): Aedes never handles it. */
export type InboundVerdict = void | 'drop';
export type OutboundStage = (client: Client, packet: OutboundPacket) => OutboundPacket | null;
export type StoredWriter = (client: Client, packet: AedesPublishPacket, write: WriteFn, done: (err?: Error) => void) => void;
/** Aedes' own write of a stored message to a client. */
export type WriteFn = (client: Client, packet: AedesPublishPacket, done: (err?: Error) => void) => void;
/** A packet on its way to a client (any type). */
export type OutboundPacket = { cmd: string; messageId?: number; reasonCode?: number; properties?: Record<string, unknown> }
  & Omit<Partial<AedesPublishPacket>, 'cmd' | 'properties' | 'messageId'>;
export type RefusedObserver = (packet: AedesPublishPacket, client: Client | null, err: Error) => void;
export type InboundObserver = (client: Client, packet: InboundPacket) => InboundVerdict;
/** Delivers a packet to a client: the rest of the delivery chain, in the end Aedes' own deliverQoS. */
export type DeliverFn = (client: Client, packet: AedesPublishPacket, cb: (err?: Error) => void) => void;
/**
 * A delivery stage: does its work and hands the packet on to `next` (or holds it, to queue it).
 * `next` is the same function on every call: the seam builds the chain once, not per client.
 */
export type DeliveryStage = (client: Client, packet: AedesPublishPacket, cb: (err?: Error) => void, next: DeliverFn) => void;

export interface SeamOrder {
  publish: PublishObserver[];
  refused: RefusedObserver[];
  inbound: InboundObserver[];
  outbound: OutboundStage[];
  stored?: StoredWriter;
  closed: ((client: Client) => void)[];
  /** Outermost first; the last stage calls Aedes' own deliverQoS. */
  deliver: DeliveryStage[];
}

/**
 * Marks a QoS 1/2 PUBLISH as parsed from a client (those refused are reported by
 * 'publishRefused'). A property, not a WeakSet: this runs for every message, and a WeakSet
 * entry costs far more to add and to collect.
 */
const FROM_CLIENT = Symbol('fromClient');
type Marked = { [FROM_CLIENT]?: true };

type AedesInternals = Aedes & {
  _takingOver: Set<string>; _registering: Map<string, Client>;
  clearSessionExpiry(clientid: string): void; clearDelayedWill(clientid: string): void;
};

/**
 * What the seam keeps per client, on the client itself: the batch its writes of one turn leave
 * in, with Aedes' own parser listeners (which the seam calls after the observers) and deliverQoS
 * (the end of the delivery chain). One record per client and no closures: an idle connection
 * costs the seam a few fields (see "RSS per idle connection" in docs/benchmarks.md).
 */
const PLUMBING = Symbol('seamPlumbing');
class Plumbing extends WriteBatch {
  constructor(
    conn: object,
    readonly aedesListeners: ((this: unknown, packet: InboundPacket) => void)[],
    readonly aedesDeliver: (packet: AedesPublishPacket, cb: (err?: Error) => void) => void,
  ) {
    super(conn);
  }
}
type Plumbed = Client & { [PLUMBING]?: Plumbing };
/** Aedes sets `parser.client` and `conn.client` to the client they belong to. */
type OwnedByClient = { client: Plumbed };

export class AedesSeam {
  private order: SeamOrder = { publish: [], refused: [], inbound: [], outbound: [], closed: [], deliver: [] };
  /** Hands each client's packets to Aedes fairly (see fair-intake.ts). */
  private readonly fairness = new FairIntake((client, packet) => this.toAedes(client, packet));
  /** The client publishing each QoS 1/2 message Aedes is routing now, by broker counter (for back-pressure). */
  private readonly publishing = new Map<number, Client>();
  /** Every client's delivery chain (install builds it with the stages). */
  private deliver: DeliverFn = this.deliveryChain([]);
  /** Client.prototype.writeStored, found at the first connection. */
  private aedesWriteStored?: (this: Client, packet: AedesPublishPacket, done: (err?: Error) => void) => void;

  // Shared by every client (`this` is its parser, its connection or itself), so that a
  // connection costs no closures here.
  private readonly onParsed: (this: OwnedByClient, packet: InboundPacket) => void;
  private readonly onClosed: (this: OwnedByClient) => void;
  private readonly writeStoredPaced: (this: Client, packet: AedesPublishPacket, done: (err?: Error) => void) => void;
  /** Aedes' own write of a stored message (Client.prototype.writeStored), for the stored writer. */
  private readonly writeStoredByAedes: WriteFn = (client, packet, done) => this.aedesWriteStored!.call(client, packet, done);

  constructor(private readonly broker: Aedes, private readonly log: Logger) {
    const seam = this;
    this.onParsed = function (packet) { seam.parsed(this.client, packet); };
    this.onClosed = function () {
      for (const fn of seam.order.closed) seam.isolated('closed', () => fn(this.client));
    };
    this.writeStoredPaced = function (packet, done) { seam.order.stored!(this, packet, seam.writeStoredByAedes, done); };
  }

  /** Intercepts broker.publish; call once, with the observers in the order they must run. */
  install(order: SeamOrder): void {
    this.order = order;
    this.deliver = this.deliveryChain(order.deliver);
    const publish = this.broker.publish.bind(this.broker);
    (this.broker as { publish: unknown }).publish = (packet: AedesPublishPacket, client?: Client | null | ((e?: Error) => void), done?: (e?: Error) => void) => {
      if (typeof client === 'function') { done = client; client = null; }
      const from = (client as Client | null) ?? null;
      const then = done ?? noop;
      for (const fn of this.order.publish) {
        try { fn(packet, from); } catch (err) { this.failed('publish', err); }
      }
      // The observers numbered the message (brokerCounter): its deliveries carry that number.
      const counter = from && packet.qos > 0 ? packet.brokerCounter : undefined;
      if (counter !== undefined) this.publishing.set(counter, from!);
      publish(packet, from, (err?: Error) => {
        if (counter !== undefined) this.publishing.delete(counter);
        if (err && (packet.qos === 0 || !(packet as Marked)[FROM_CLIENT])) this.refused(packet, from, err);
        then(err);
      });
    };
    this.on('publishRefused', (packet: AedesPublishPacket, client: Client, err: Error) => this.refused(packet, client, err));
    (this.broker as unknown as { beforeWrite: OutboundStage }).beforeWrite = (client, packet) => {
      (client as Plumbed)[PLUMBING]?.before();
      let out: OutboundPacket | null = packet;
      for (const stage of this.order.outbound) {
        try {
          out = stage(client, out);
        } catch (err) {
          this.log.error({ err, clientid: client.id }, 'outbound stage failed; writing the packet as it is');
        }
        if (out === null) return null;
      }
      return out;
    };
  }

  /** Prepares a new connection (call right after broker.handle creates the client). */
  attach(client: Client): void {
    const parser = client._parser;
    (client as Plumbed)[PLUMBING] = new Plumbing(client.conn, parser.listeners('packet') as Plumbing['aedesListeners'], client.deliverQoS);
    parser.removeAllListeners('packet');
    parser.on('packet', this.onParsed);
    if (this.order.stored) {
      this.aedesWriteStored ??= Object.getPrototypeOf(client).writeStored;
      client.writeStored = this.writeStoredPaced;
    }
    // Aedes binds a subscription to client.deliverQoS when it is made, so this runs before any.
    // Aedes calls it unbound: the one closure a connection costs the seam.
    const deliver = this.deliver;
    client.deliverQoS = (packet, cb) => deliver(client, packet, cb);
    // After Aedes' own close (which emits 'clientDisconnect' for a registered client first).
    client.conn.on('close', this.onClosed);
  }

  /**
   * Gives Aedes a packet an inbound observer held back (a CONNECT after enhanced
   * authentication), as if just parsed; observers after the one that held it never see it.
   */
  handOver(client: Client, packet: object): void {
    this.toAedes(client, packet as InboundPacket);
  }


  /** The client whose PUBLISH Aedes is routing, for one of its deliveries (none once it is routed). */
  publisherOf(packet: { brokerId?: string; brokerCounter?: number }): Client | undefined {
    // Another node's message (a cluster) carries its own numbering.
    if (packet.brokerCounter === undefined || packet.brokerId !== this.broker.id) return undefined;
    return this.publishing.get(packet.brokerCounter);
  }

  /** Holds a client's PUBLISHes back (its socket is not read) until `holder` releases it. */
  hold(client: Client, holder: object): void {
    this.fairness.hold(client, holder);
  }

  release(holder: object): void {
    this.fairness.release(holder);
  }

  /** Listens to an Aedes broker event, isolated. */
  on(event: string, fn: (...args: any[]) => void): void {
    (this.broker as unknown as import('node:events').EventEmitter).on(event, (...args: unknown[]) => this.isolated(event, () => fn(...args)));
  }

  /** Whether Aedes is replacing this client id's connection by a newer one right now. */
  takingOver(clientid: string): boolean {
    return (this.broker as AedesInternals)._takingOver.has(clientid);
  }

  /** Stops Aedes' timers for an offline session (its expiry, its delayed will): another node holds it now. */
  forgetSessionTimers(clientid: string): void {
    const b = this.broker as AedesInternals;
    b.clearSessionExpiry(clientid);
    b.clearDelayedWill(clientid);
  }

  /** Whether the connection is being replaced by one on another node (patch 019): the session moves there. */
  takenOverElsewhere(clientid: string): boolean {
    const b = this.broker as AedesInternals;
    return b._takingOver.has(clientid) && !b._registering.has(clientid);
  }

  /** The next packet identifier in Aedes' rotation for this client, skipping those `inUse`. */
  nextPacketId(client: Client, inUse: (id: number) => boolean): number {
    for (let i = 0; i < 65536; i++) {
      const id = client._nextId;
      client._nextId = id >= 65535 ? 1 : id + 1;
      if (!inUse(id)) return id;
    }
    throw new Error('no free packet identifier');
  }

  /** A packet parsed from a client's socket: the inbound observers, then fair intake to Aedes. */
  private parsed(client: Client, packet: InboundPacket): void {
    if (packet.cmd === 'publish' && packet.qos) (packet as Marked)[FROM_CLIENT] = true;
    // A plain loop, no closure per packet: this runs for every packet of every client.
    for (const fn of this.order.inbound) {
      let verdict: InboundVerdict = undefined;
      try { verdict = fn(client, packet); } catch (err) { this.failed('inbound', err); }
      if (verdict === 'drop') return;
    }
    this.fairness.admit(client, packet);
  }

  /** Hands a packet to Aedes' own parser listeners, as if just parsed. */
  private toAedes(client: Client, packet: InboundPacket): void {
    const plumbing = (client as Plumbed)[PLUMBING];
    if (!plumbing) return;
    for (const l of plumbing.aedesListeners) l.call(client._parser, packet);
  }

  /** The end of every delivery chain: Aedes' own deliverQoS. */
  private toAedesDelivery(client: Client, packet: AedesPublishPacket, cb: (err?: Error) => void): void {
    const plumbing = (client as Plumbed)[PLUMBING]!;
    // Aedes writes a delivery from an immediate: cork before it is queued (see write-batching.ts).
    plumbing.before();
    plumbing.aedesDeliver(packet, cb);
  }

  /** Chains the delivery stages (outermost first) once, each isolated: one that throws is skipped. */
  private deliveryChain(stages: DeliveryStage[]): DeliverFn {
    let chain: DeliverFn = (client, packet, cb) => this.toAedesDelivery(client, packet, cb);
    for (const stage of [...stages].reverse()) {
      const next = chain;
      chain = (client, packet, cb) => {
        try {
          stage(client, packet, cb, next);
        } catch (err) {
          this.log.error({ err, clientid: client.id }, 'delivery stage failed; delivering as Aedes would');
          next(client, packet, cb);
        }
      };
    }
    return chain;
  }

  private refused(packet: AedesPublishPacket, client: Client | null, err: Error): void {
    for (const fn of this.order.refused) this.isolated('refused', () => fn(packet, client, err));
  }

  private isolated(where: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.failed(where, err);
    }
  }

  private failed(where: string, err: unknown): void {
    this.log.error({ err, where }, 'broker observer failed');
  }
}

function noop(): void {}
