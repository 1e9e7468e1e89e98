// The store relaymq gives Aedes (Aedes' persistence interface): retained messages,
// subscriptions, the outgoing queue of every persistent session, incoming QoS 2 messages awaiting
// PUBREL, and wills. Its state lives in memory — every read is a lookup, and queue lengths are
// counted as they change — and every change goes to a Backend (nothing for `memory`, LevelDB
// for `level`). A change reaches memory only after the backend committed it, so a failed write
// leaves no trace and the caller's promise rejects: Aedes and relaymq then refuse to acknowledge.
//
// Beyond Aedes' interface it enforces `max_mqueue_len` on every session's queue (the oldest
// message never sent is dropped, as RMQTT drops the earliest QoS 1/2 message; drops are
// reported), clears a session's whole queue or incoming state at once, and numbers queue entries
// with a sequence that never repeats, so messages queued across restarts never collide. In a
// cluster every node holds all of it (cluster/shared-mqtt-store.ts) and counts the messages of
// the sessions it holds. (Aedes' interface is some thirty methods; they stay together here, the
// in-memory indexes of subscriptions and queues have files of their own.)
import { Readable } from 'node:stream';
import qlobber from 'qlobber';
import type { Backend, WriteOp } from './backend.ts';
import { Keys, decodePacket, decodeRecord, encodePacket, encodeRecord, parseKey, toStoredPacket, type StoredPacket } from './codec.ts';
import { OutgoingQueue, type QueueEntry } from './outgoing-queue.ts';
import { SubscriptionIndex, TRIE_OPTIONS, isWildcardFirst, type StoredSubscription } from './subscription-index.ts';
import PacketCtor from 'aedes-packet';

/** aedes-packet's constructor: what Aedes' own stores keep for a queued message. */
const Packet = PacketCtor as unknown as new (original: object) => object;

export interface QueueLimits {
  /** Messages an offline session may have queued, per `mqtt.max_mqueue_len`. */
  maxQueue: number;
  /** Whether the session is connected: then its flow control bounds its queue, not the store. */
  online(clientId: string): boolean;
}

export type DropListener = (clientId: string, packet: StoredPacket, reason: 'queue_full') => void;

type ClientRef = { id: string };
type BrokerRef = { id: string; counter: number };

export class MqttStore {
  private readonly retained = new Map<string, StoredPacket>();
  private readonly subscriptions = new SubscriptionIndex();
  private readonly outgoing = new Map<string, OutgoingQueue>();
  private readonly incoming = new Map<string, Map<number, StoredPacket>>();
  protected readonly wills = new Map<string, StoredPacket>();
  private seq = 0;
  private maxCounter = 0;
  /** Queued and incoming QoS 2 messages of the sessions this node holds (all of them on a single node). */
  private queuedTotal = 0;
  private incomingTotal = 0;
  /** Sessions connected to this node, and how many messages are stored for them. */
  private readonly connected = new Set<string>();
  private connectedQueuedTotal = 0;
  /** Whether this node holds a session (in a cluster every node stores all; each holds its own). */
  private holds: (clientId: string) => boolean = () => true;
  private limits: QueueLimits = { maxQueue: Number.MAX_SAFE_INTEGER, online: () => false };
  private dropListeners: DropListener[] = [];
  broker?: BrokerRef;

  constructor(private readonly backend: Backend) {}

  /**
   * Puts a stored record into memory, or removes it (`value` undefined): at startup, and in a
   * cluster for each change another node made. Applying a record twice leaves the same state.
   * Throws CorruptRecord for a damaged one.
   */
  apply(key: string, value: Buffer | undefined): void {
    const k = parseKey(key);
    if (!k) return;
    switch (k.kind) {
      case 'queue': {
        const seq = Number(k.rest);
        if (value === undefined) return this.removeEntry(k.clientId, seq);
        const packet = decodePacket(value);
        const q = this.queue(k.clientId);
        const entry = q.bySeq(seq);
        if (entry) q.replace(entry, packet);
        else {
          q.add({ seq, packet });
          this.counted(k.clientId, 1, 0);
        }
        this.seq = Math.max(this.seq, seq);
        this.seen(packet);
        return;
      }
      case 'retained': {
        if (value === undefined) return void this.retained.delete(k.rest);
        const packet = decodePacket(value);
        this.retained.set(k.rest, packet);
        this.seen(packet);
        return;
      }
      case 'subscription':
        if (value === undefined) this.subscriptions.delete(k.clientId, k.rest);
        else this.subscriptions.set(k.clientId, k.rest, decodeRecord(value).fields as unknown as StoredSubscription);
        return;
      case 'incoming':
        if (value === undefined) this.deleteIncoming(k.clientId, Number(k.rest));
        else this.setIncoming(k.clientId, Number(k.rest), decodePacket(value));
        return;
      case 'will':
        if (value === undefined) this.wills.delete(k.clientId);
        else this.wills.set(k.clientId, decodePacket(value));
        return;
      default:
    }
  }

  /** Counts only the sessions `holds` says this node holds; call holdChanged when that changes. */
  countHeldOnly(holds: (clientId: string) => boolean): void {
    this.holds = holds;
    this.queuedTotal = 0;
    this.incomingTotal = 0;
    for (const id of this.outgoing.keys()) if (holds(id)) this.queuedTotal += this.queueLength(id);
    for (const [id, m] of this.incoming) if (holds(id)) this.incomingTotal += m.size;
  }

  /** This node took (or gave up) a session: its messages count here from now on (or no longer). */
  holdChanged(clientId: string, held: boolean): void {
    const sign = held ? 1 : -1;
    this.queuedTotal += sign * this.queueLength(clientId);
    this.incomingTotal += sign * (this.incoming.get(clientId)?.size ?? 0);
  }

  private counted(clientId: string, queued: number, incoming: number): void {
    if (this.connected.has(clientId)) this.connectedQueuedTotal += queued;
    if (!this.holds(clientId)) return;
    this.queuedTotal += queued;
    this.incomingTotal += incoming;
  }



  /** Sets the queue limits and applies them to what was loaded. */
  configure(limits: QueueLimits): void {
    this.limits = limits;
    for (const clientId of [...this.outgoing.keys()]) this.trimQueue(clientId);
  }

  onDrop(listener: DropListener): void {
    this.dropListeners.push(listener);
  }

  async setup(broker: BrokerRef): Promise<void> {
    this.broker = broker;
    // Aedes numbers messages from 0 at every start; continuing after the highest stored number
    // keeps (broker id, counter) unique across restarts, which queue updates rely on.
    broker.counter = Math.max(broker.counter, this.maxCounter);
  }

  // ---- retained messages ----

  async storeRetained(packet: object): Promise<void> {
    const p = toStoredPacket(packet);
    const key = Keys.retained(p.topic);
    if (p.payload.length === 0) {
      return this.commit(() => [{ type: 'del', key }], () => { this.retained.delete(p.topic); });
    }
    return this.commit(() => [{ type: 'put', key, value: encodePacket(p) }], () => { this.retained.set(p.topic, p); });
  }

  createRetainedStreamCombi(patterns: string[]): Readable {
    return Readable.from(patterns.flatMap((p) => this.retainedMatching(p)));
  }

  createRetainedStream(pattern: string): Readable {
    return Readable.from(this.retainedMatching(pattern));
  }

  /** Every retained message, for relaymq's own bookkeeping (no copies: do not modify). */
  retainedMessages(): IterableIterator<StoredPacket> {
    return this.retained.values();
  }

  /** The topic's retained message (not a copy: do not modify), expired or not. */
  retainedMessage(topic: string): StoredPacket | undefined {
    return this.retained.get(topic);
  }

  private retainedMatching(pattern: string): StoredPacket[] {
    const matcher = new qlobber.QlobberTrue(TRIE_OPTIONS);
    matcher.add(pattern);
    const out: StoredPacket[] = [];
    // [MQTT-4.7.2-1] a filter starting with a wildcard never matches a topic starting with '$'.
    const skipDollar = isWildcardFirst(pattern);
    for (const [topic, p] of this.retained) {
      if (skipDollar && topic.startsWith('$')) continue;
      if (matcher.test(topic)) out.push({ ...p });
    }
    return out;
  }

  // ---- subscriptions ----

  async addSubscriptions(client: ClientRef, subs: ({ topic: string } & StoredSubscription)[]): Promise<void> {
    const records = subs.map((s) => ({ topic: s.topic, sub: subscriptionRecord(s) }));
    return this.commit(
      () => records.map(({ topic, sub }) => ({ type: 'put', key: Keys.subscription(client.id, topic), value: encodeRecord(sub) })),
      () => { for (const { topic, sub } of records) this.subscriptions.set(client.id, topic, sub); },
    );
  }

  async removeSubscriptions(client: ClientRef, topics: string[]): Promise<void> {
    return this.commit(
      () => topics.map((t) => ({ type: 'del', key: Keys.subscription(client.id, t) })),
      () => { for (const t of topics) this.subscriptions.delete(client.id, t); },
    );
  }

  async subscriptionsByClient(client: ClientRef): Promise<({ topic: string } & StoredSubscription)[]> {
    return [...(this.subscriptions.of(client.id) ?? [])].map(([topic, s]) => ({ topic, ...s }));
  }

  async countOffline(): Promise<{ subsCount: number; clientsCount: number }> {
    return this.subscriptions.counts();
  }

  /** QoS 1/2 subscriptions matching a topic (for queueing). */
  async subscriptionsByTopic(topic: string): Promise<{ clientId: string; topic: string; qos: number }[]> {
    return this.subscriptions.matching(topic);
  }

  async cleanSubscriptions(client: ClientRef): Promise<void> {
    const topics = [...(this.subscriptions.of(client.id)?.keys() ?? [])];
    if (topics.length) await this.removeSubscriptions(client, topics);
  }

  getClientList(topic: string): Readable {
    return Readable.from(this.subscriptions.clientsWith(topic));
  }

  // ---- outgoing queues ----

  async outgoingEnqueue(sub: { clientId: string }, packet: object): Promise<void> {
    return this.outgoingEnqueueCombi([sub], packet);
  }

  async outgoingEnqueueCombi(subs: { clientId: string }[] | null | undefined, packet: object): Promise<void> {
    if (!subs || subs.length === 0) return;
    // A queued message has no packet id (it gets one when it is sent).
    const stored = { ...toStoredPacket(new Packet(packet)), ...annotations(packet) };
    const entries = subs.map((s) => ({ clientId: s.clientId, seq: this.nextSeq() }));
    return this.commit(
      () => {
        const value = encodePacket(stored);
        return entries.map(({ clientId, seq }) => ({ type: 'put', key: Keys.queue(clientId, seq), value }));
      },
      () => {
        this.seen(stored);
        for (const { clientId, seq } of entries) {
          this.queue(clientId).add({ seq, packet: stored });
          this.counted(clientId, 1, 0);
          this.trimQueue(clientId);
        }
      },
    );
  }

  /** A queued message is being sent (it gets its packet id), or a PUBREL replaces a PUBLISH. */
  async outgoingUpdate(client: ClientRef, packet: { cmd?: string; brokerId?: string; brokerCounter?: number; messageId?: number }): Promise<void> {
    const q = this.queue(client.id);
    // A PUBLISH is found by its origin; a PUBREL by its packet id (Aedes gives a resent PUBREL a
    // broker id and counter of its own, which no stored entry has).
    const isPubrel = packet.cmd === 'pubrel';
    const entry = !isPubrel && packet.brokerId ? q.byMessage(packet) : q.byMessageId(packet.messageId!);
    const stored: StoredPacket = isPubrel ? { cmd: 'pubrel', messageId: packet.messageId } as StoredPacket : toStoredPacket(packet);
    if (!entry) {
      // A message routed to a subscription made after it was queued for the others: keep it
      // from now on rather than fail the client.
      if (stored.cmd !== 'publish' || !stored.brokerId) throw new Error('no such packet');
      const seq = this.nextSeq();
      return this.commit(() => [{ type: 'put', key: Keys.queue(client.id, seq), value: encodePacket(stored) }], () => {
        this.queue(client.id).add({ seq, packet: stored });
        this.counted(client.id, 1, 0);
      });
    }
    const updated = { ...annotations(entry.packet), ...stored };
    return this.commit(() => [{ type: 'put', key: Keys.queue(client.id, entry.seq), value: encodePacket(updated) }], () => q.replace(entry, updated));
  }

  async outgoingClearMessageId(client: ClientRef, packet: { messageId?: number | null; brokerId?: string; brokerCounter?: number }): Promise<StoredPacket | undefined> {
    const q = this.outgoing.get(client.id);
    if (!q) return undefined;
    const entry = typeof packet.messageId === 'number' ? q.byMessageId(packet.messageId) : q.byMessage(packet);
    if (!entry) return undefined;
    const found = { ...entry.packet };
    await this.commit(() => [{ type: 'del', key: Keys.queue(client.id, entry.seq) }], () => this.removeEntry(client.id, entry.seq));
    return found;
  }

  /** Removes every message queued for a session. */
  async outgoingClear(client: ClientRef): Promise<void> {
    const q = this.outgoing.get(client.id);
    if (!q) return;
    const seqs = [...q.values()].map((e) => e.seq);
    return this.commit(
      () => seqs.map((seq) => ({ type: 'del', key: Keys.queue(client.id, seq) })),
      () => { for (const seq of seqs) this.removeEntry(client.id, seq); },
    );
  }

  outgoingStream(client: ClientRef): Readable {
    // `messageId: undefined` as aedes-packet gives a message not yet sent.
    return Readable.from([...(this.outgoing.get(client.id)?.values() ?? [])].map((e) => ({ ...e.packet, messageId: e.packet.messageId })));
  }

  /** A session's stored messages in order (the API's view; no copies, do not modify). */
  outgoingEntries(clientId: string): Iterable<QueueEntry> {
    return this.outgoing.get(clientId)?.values() ?? [];
  }

  /** Messages stored for a session (queued, or sent and not acknowledged). O(1). */
  queueLength(clientId: string): number {
    return this.outgoing.get(clientId)?.size ?? 0;
  }

  /** Messages stored for the sessions this node holds (every session on a single node). O(1). */
  totalQueued(): number {
    return this.queuedTotal;
  }

  /** A session's client connected to this node, or left it: its stored messages count in connectedQueued(). */
  connectedChanged(clientId: string, connected: boolean): void {
    if (connected === this.connected.has(clientId)) return;
    if (connected) this.connected.add(clientId);
    else this.connected.delete(clientId);
    this.connectedQueuedTotal += (connected ? 1 : -1) * this.queueLength(clientId);
  }

  /** Messages stored for the sessions connected to this node. O(1). */
  connectedQueued(): number {
    return this.connectedQueuedTotal;
  }

  private queue(clientId: string): OutgoingQueue {
    let q = this.outgoing.get(clientId);
    if (!q) this.outgoing.set(clientId, (q = new OutgoingQueue()));
    return q;
  }

  private removeEntry(clientId: string, seq: number): void {
    const q = this.outgoing.get(clientId);
    if (!q?.remove(seq)) return;
    this.counted(clientId, -1, 0);
    if (q.size === 0) this.outgoing.delete(clientId);
  }

  /**
   * Keeps an offline session's queue at maxQueue messages at most, dropping the oldest never
   * sent first (then the oldest sent before its session went offline).
   */
  trimQueue(clientId: string): void {
    const q = this.outgoing.get(clientId);
    if (!q || this.limits.online(clientId)) return;
    const deletes: WriteOp[] = [];
    while (q.size > this.limits.maxQueue) {
      const victim = q.oldestToDrop();
      if (!victim) break;
      this.removeEntry(clientId, victim.seq);
      deletes.push({ type: 'del', key: Keys.queue(clientId, victim.seq) });
      for (const l of this.dropListeners) l(clientId, victim.packet, 'queue_full');
    }
    // If this delete is lost, the next start enforces the limit again.
    if (deletes.length && !this.backend.immediate) this.backend.write(deletes).catch(() => {});
  }

  // ---- incoming QoS 2 ----

  async incomingStorePacket(client: ClientRef, packet: object & { messageId?: number }): Promise<void> {
    const id = packet.messageId!;
    const stored = toStoredPacket({ ...new Packet(packet), messageId: id });
    return this.commit(() => [{ type: 'put', key: Keys.incoming(client.id, id), value: encodePacket(stored) }],
      () => { this.setIncoming(client.id, id, stored); });
  }

  async incomingGetPacket(client: ClientRef, packet: { messageId?: number }): Promise<StoredPacket> {
    const found = this.incoming.get(client.id)?.get(packet.messageId!);
    if (!found) throw new Error('no such packet');
    return { ...found };
  }

  async incomingDelPacket(client: ClientRef, packet: { messageId?: number }): Promise<void> {
    const id = packet.messageId!;
    return this.commit(() => [{ type: 'del', key: Keys.incoming(client.id, id) }], () => this.deleteIncoming(client.id, id));
  }

  /** Forgets every QoS 2 message of a session still awaiting PUBREL (clean start, session end). */
  async cleanIncoming(client: ClientRef): Promise<void> {
    const ids = [...(this.incoming.get(client.id)?.keys() ?? [])];
    if (!ids.length) return;
    return this.commit(() => ids.map((id) => ({ type: 'del', key: Keys.incoming(client.id, id) })),
      () => { for (const id of ids) this.deleteIncoming(client.id, id); });
  }

  /** QoS 2 messages awaiting PUBREL, over the sessions this node holds (for the stats). O(1). */
  incomingCount(): number {
    return this.incomingTotal;
  }

  private setIncoming(clientId: string, id: number, packet: StoredPacket): void {
    let m = this.incoming.get(clientId);
    if (!m) this.incoming.set(clientId, (m = new Map()));
    if (!m.has(id)) this.counted(clientId, 0, 1);
    m.set(id, packet);
  }

  private deleteIncoming(clientId: string, id: number): void {
    const m = this.incoming.get(clientId);
    if (!m) return;
    if (m.delete(id)) this.counted(clientId, 0, -1);
    if (m.size === 0) this.incoming.delete(clientId);
  }

  // ---- wills ----

  async putWill(client: ClientRef, packet: Record<string, unknown>): Promise<void> {
    packet.brokerId = this.broker?.id;
    packet.clientId = client.id;
    const stored = toStoredPacket(packet);
    return this.commit(() => [{ type: 'put', key: Keys.will(client.id), value: encodePacket(stored) }], () => { this.wills.set(client.id, stored); });
  }

  async getWill(client: ClientRef): Promise<StoredPacket | undefined> {
    const w = this.wills.get(client.id);
    return w && { ...w };
  }

  async delWill(client: ClientRef): Promise<StoredPacket | undefined> {
    const w = this.wills.get(client.id);
    if (!w) return undefined;
    await this.commit(() => [{ type: 'del', key: Keys.will(client.id) }], () => { this.wills.delete(client.id); });
    return { ...w };
  }

  streamWill(brokers: Record<string, unknown> = {}): Readable {
    return Readable.from([...this.wills.values()].filter((w) => !brokers[w.brokerId!]).map((w) => ({ ...w })));
  }

  async destroy(): Promise<void> {
    await this.backend.close();
  }

  // ----

  /**
   * Commits the writes `ops()` builds, then applies the change to memory. With an immediate
   * backend there is nothing to write: the change applies at once (and `ops` is never built).
   */
  /** The number of a new queue entry: above every stored one. */
  protected nextSeq(): number {
    return ++this.seq;
  }

  private commit<T>(ops: () => WriteOp[], apply: () => T): Promise<T> {
    if (this.backend.immediate) {
      try {
        return Promise.resolve(apply());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.backend.write(ops()).then(apply);
  }

  private seen(p: { brokerCounter?: number }): void {
    if (typeof p.brokerCounter === 'number' && p.brokerCounter > this.maxCounter) this.maxCounter = p.brokerCounter;
  }
}

/**
 * relaymq's own notes on a queued message (fields named `relaymq…`, never sent to a client): kept
 * when Aedes' packet type would drop them, and across the entry's updates.
 */
function annotations(packet: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(packet)) if (k.startsWith('relaymq')) out[k] = v;
  return out;
}

function subscriptionRecord(s: StoredSubscription): StoredSubscription {
  const r: StoredSubscription = { qos: s.qos };
  if (s.rh !== undefined) r.rh = s.rh;
  if (s.rap !== undefined) r.rap = s.rap;
  if (s.nl !== undefined) r.nl = s.nl;
  if (s.subscriptionIdentifier !== undefined) r.subscriptionIdentifier = s.subscriptionIdentifier;
  return r;
}
