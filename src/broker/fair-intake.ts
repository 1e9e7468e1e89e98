// Fair intake of client packets, as Mosquitto reads one packet per socket per loop: Aedes
// handles every packet of a socket read at once, so a few publishers can fill a whole
// event-loop turn with PUBLISHes, and the acknowledgements of the subscribers they feed (and
// every other client) wait behind them.
//
// So each client hands Aedes at most PUBLISHES_PER_TURN PUBLISH packets per event-loop turn;
// the rest wait here, in order, and go first in the next turns (clients in turn). While a client
// has packets waiting, Aedes reads nothing more from its socket (its batch is not finished), so
// TCP pushes back on a fast publisher instead of the broker dropping for its subscribers.
// Acknowledgements of messages sent to the client (PUBACK, PUBREC, PUBCOMP) and PINGREQ never
// wait: they only free resources, and their order relative to the client's PUBLISHes does not
// matter. Every other packet keeps its place behind the client's waiting ones.
//
// A publisher can also be held (hold/release): flow control holds one whose QoS 1/2 messages
// fill the queue of a subscriber that is acknowledging slower than it publishes, so that TCP
// slows the publisher down instead of that subscriber's queue overflowing (see flow-control.ts).
// Only the publishers feeding that subscriber wait; nobody else does.
import type { Client } from 'aedes';

/**
 * PUBLISH packets of one client handed to Aedes per event-loop turn. Fewer costs throughput
 * (more turns: 2 gave 0.39× bare Aedes in the QoS 1 fan-in bench, 16 gave 0.65× with
 * back-pressure, docs/benchmarks.md has today's figure); more lets one client's burst delay
 * the others longer.
 */
export const PUBLISHES_PER_TURN = 16;

interface Packet { cmd: string }
type ToAedes = (client: Client, packet: Packet) => void;

const NEVER_WAITS = new Set(['puback', 'pubrec', 'pubcomp', 'pingreq']);

interface Intake {
  client: Client & { _parsingBatch: number };
  waiting: Packet[];
  /** PUBLISHes handed over in turn number `turn`. */
  taken: number;
  turn: number;
  /** What holds the client's PUBLISHes back (congested subscribers); none: they flow. Created when first held. */
  holders?: Set<object>;
}

export class FairIntake {
  private readonly intakes = new WeakMap<Client, Intake>();
  /** Clients with packets waiting, in the order they get their next turn. */
  private readonly ready = new Set<Intake>();
  private scheduled = false;
  private turn = 0;
  /** The clients each holder holds. */
  private readonly held = new Map<object, Set<Intake>>();

  /** `toAedes` hands a packet to Aedes. */
  constructor(private readonly toAedes: ToAedes) {}

  /** Holds the client's PUBLISHes back until `holder` releases it. */
  hold(client: Client, holder: object): void {
    if (client.closed) return;
    const intake = this.intakeOf(client);
    (intake.holders ??= new Set()).add(holder);
    let clients = this.held.get(holder);
    if (!clients) this.held.set(holder, (clients = new Set()));
    clients.add(intake);
  }

  /** Lets every client `holder` held go on (those no other holder holds). */
  release(holder: object): void {
    const clients = this.held.get(holder);
    if (!clients) return;
    this.held.delete(holder);
    for (const intake of clients) {
      intake.holders!.delete(holder);
      if (intake.holders!.size === 0 && intake.waiting.length) {
        this.ready.add(intake);
        this.schedule();
      }
    }
  }

  /** A packet just parsed from the client's socket. */
  admit(client: Client, packet: Packet): void {
    // Before the CONNACK, Aedes queues what follows the CONNECT itself, until authenticated.
    if (NEVER_WAITS.has(packet.cmd) || !(client as { connackSent?: boolean }).connackSent) return this.toAedes(client, packet);
    const intake = this.intakeOf(client);
    if (intake.waiting.length === 0 && (packet.cmd !== 'publish' || this.take(intake))) return this.toAedes(client, packet);
    // Aedes reads the socket again only once every packet it was given is done: count this one
    // as given, so the socket waits with it.
    intake.client._parsingBatch++;
    intake.waiting.push(packet);
    if (intake.holders?.size) return; // release() schedules it
    this.ready.add(intake);
    this.schedule();
  }

  /** A client has an intake from its first packet after the CONNACK (or its first hold) on. */
  private intakeOf(client: Client): Intake {
    let intake = this.intakes.get(client);
    if (!intake) this.intakes.set(client, (intake = { client: client as Intake['client'], waiting: [], taken: 0, turn: -1 }));
    return intake;
  }

  /** Whether the client may hand over one more PUBLISH this turn. */
  private take(intake: Intake): boolean {
    if (intake.holders?.size) return false;
    if (intake.turn !== this.turn) {
      intake.turn = this.turn;
      intake.taken = 0;
    }
    if (intake.taken >= PUBLISHES_PER_TURN) return false;
    intake.taken++;
    this.schedule(); // the turn ends: the counts start over
    return true;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.turn++;
      for (const intake of [...this.ready]) {
        this.ready.delete(intake);
        while (intake.waiting.length) {
          const next = intake.waiting[0];
          if (next.cmd === 'publish' && !this.take(intake)) break;
          intake.waiting.shift();
          if (intake.client.closed) continue; // a closed connection's packets are not handled
          intake.client._parsingBatch--; // Aedes counts it again as it takes it
          this.toAedes(intake.client, next);
        }
        if (intake.waiting.length && !intake.holders?.size) {
          this.ready.add(intake);
          this.schedule();
        }
      }
    });
  }
}
