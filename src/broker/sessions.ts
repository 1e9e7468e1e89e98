// The session registry: what relaymq knows about every session of this node, connected or
// offline. Aedes keeps only live Client objects and none of username, connect time, keepalive…,
// and cannot list offline sessions; the registry holds all of it, fed by SessionTracker.
// It also keeps the route index (topic filter → number of subscribing sessions), updated with
// every subscription change, so routes and topic matching never scan all sessions.
import { parseShared } from './topics.ts';
import { SortedStrings } from '../util/sorted-strings.ts';
import { RouteIndex } from './route-index.ts';

export type Qos = 0 | 1 | 2;

export interface LastWill {
  /** Will payload, base64. */
  message: string;
  qos: Qos;
  retain: boolean;
  topic: string;
}

/** One session. Plain JSON (times in epoch ms), so it can be stored and restored as is. */
export interface SessionRecord {
  clientid: string;
  /** null when the client connected without a username. */
  username: string | null;
  proto_ver: 3 | 4 | 5;
  ip_address: string;
  port: number;
  /** The broker side of the connection, for the kick id "node@local/remote/clientid/username". */
  local_address: string;
  local_port: number;
  connected: boolean;
  connected_at: number;
  disconnected_at: number | null;
  disconnected_reason: string;
  keepalive: number;
  clean_start: boolean;
  session_present: boolean;
  /** Seconds the session outlives its connection (0 = ends with it). */
  expiry_interval: number;
  /** Whether the session outlives its connection at all (MQTT 3 clean=0, MQTT 5 expiry > 0). */
  persistent: boolean;
  created_at: number;
  last_will: LastWill | null;
  /** Subscriptions by filter as the client wrote it (`$share/g/f` for shared ones). */
  subscriptions: Record<string, Qos>;
  /** The node that holds the session (in a cluster, only that node answers and acts for it). */
  node_id?: number;
  /**
   * Its shared-subscription memberships with what each asked for, by filter (`$share/g/f`): in a
   * cluster the other nodes learn a group's members from the stored records.
   */
  shared?: Record<string, SharedMembership>;
}

/**
 * The subscriptions of every session that has none, shared and frozen: most sessions of an idle
 * fleet have none, and an empty object each cost 56 bytes (setSubscription gives a session its own).
 */
export const NO_SUBSCRIPTIONS: Record<string, Qos> = Object.freeze({});

/** What a shared-subscription member asked for in its SUBSCRIBE. */
export interface SharedMembership {
  qos: Qos;
  /** Retain As Published. */
  rap?: boolean;
  /** Subscription Identifier. */
  si?: number;
}

/** Where changes go to be kept (see src/persistence/session-store.ts). */
export interface SessionSink {
  save(rec: SessionRecord): void;
  delete(clientid: string): void;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, SessionRecord>();
  /** The client ids in order, for listings that page by client id. */
  private readonly ids = new SortedStrings();
  /** Records changed since they were last handed to the sink: saved once per turn of the event loop. */
  private readonly dirty = new Set<SessionRecord>();
  private flushScheduled = false;

  constructor(
    private readonly sink: SessionSink = { save() {}, delete() {} },
    /** Told when the registry starts or stops holding a session (the store counts held sessions' messages). */
    private readonly onHold: (clientid: string, held: boolean) => void = () => {},
  ) {}
  readonly routes = new RouteIndex();
  private sharedCount = 0;
  private subscriptionCount = 0;

  get(clientid: string): SessionRecord | undefined {
    return this.sessions.get(clientid);
  }

  values(): IterableIterator<SessionRecord> {
    return this.sessions.values();
  }

  /** The client ids after `after` (all when undefined), in order. */
  idsAfter(after?: string): Iterable<string> {
    return this.ids.after(after);
  }

  /** The client ids after `after` (all when undefined) that contain `part`, in order. */
  idsContaining(part: string, after?: string): Iterable<string> {
    return this.ids.containing(part, after);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Inserts or replaces a session; its subscriptions enter the route index. */
  put(rec: SessionRecord): void {
    const prev = this.sessions.get(rec.clientid);
    if (prev && prev !== rec) this.unindex(prev);
    this.sessions.set(rec.clientid, rec);
    if (!prev) {
      this.ids.add(rec.clientid);
      this.onHold(rec.clientid, true);
    }
    if (prev !== rec) for (const f of Object.keys(rec.subscriptions)) this.indexFilter(rec, f, +1);
    if (prev && prev !== rec) this.dirty.delete(prev);
    this.markDirty(rec);
  }

  /**
   * Call after changing a record's fields in place, so the change is kept. Changes are saved
   * once per turn of the event loop, however many there were (a SUBSCRIBE with many filters
   * writes its session once).
   */
  changed(rec: SessionRecord): void {
    if (this.sessions.get(rec.clientid) === rec) this.markDirty(rec);
  }

  delete(clientid: string): SessionRecord | undefined {
    const rec = this.release(clientid);
    if (rec) this.sink.delete(clientid);
    return rec;
  }

  /** Forgets a session that another node now holds: its stored record is that node's now. */
  release(clientid: string): SessionRecord | undefined {
    const rec = this.sessions.get(clientid);
    if (rec) {
      this.unindex(rec);
      this.sessions.delete(clientid);
      this.ids.delete(clientid);
      this.dirty.delete(rec);
      this.onHold(clientid, false);
    }
    return rec;
  }

  /** Hands every pending change to the sink now (at shutdown). */
  flush(): void {
    this.flushScheduled = false;
    for (const rec of this.dirty) this.sink.save(rec);
    this.dirty.clear();
  }

  private markDirty(rec: SessionRecord): void {
    this.dirty.add(rec);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  setSubscription(rec: SessionRecord, filter: string, qos: Qos): void {
    if (rec.subscriptions === NO_SUBSCRIPTIONS) rec.subscriptions = {};
    const known = Object.hasOwn(rec.subscriptions, filter);
    if (known && rec.subscriptions[filter] === qos) return; // nothing changes, nothing to store
    if (!known) this.indexFilter(rec, filter, +1);
    // defineProperty, not assignment: a filter named "__proto__" must be an own key too.
    Object.defineProperty(rec.subscriptions, filter, { value: qos, enumerable: true, writable: true, configurable: true });
    this.changed(rec);
  }

  removeSubscription(rec: SessionRecord, filter: string): boolean {
    if (!Object.hasOwn(rec.subscriptions, filter)) return false;
    delete rec.subscriptions[filter];
    this.indexFilter(rec, filter, -1);
    this.changed(rec);
    return true;
  }

  /** Topic filters with at least one subscriber (shared filters by their inner filter). */
  routeFilters(): IterableIterator<string> {
    return this.routes.filters();
  }

  counts(): { subscriptions: number; shared: number; routes: number } {
    return { subscriptions: this.subscriptionCount, shared: this.sharedCount, routes: this.routes.size };
  }

  private unindex(rec: SessionRecord): void {
    for (const f of Object.keys(rec.subscriptions)) this.indexFilter(rec, f, -1);
  }

  private indexFilter(rec: SessionRecord, filter: string, delta: 1 | -1): void {
    const shared = parseShared(filter);
    const route = shared ? shared.filter : filter;
    if (delta > 0) this.routes.add(route, rec.clientid);
    else this.routes.remove(route, rec.clientid);
    this.subscriptionCount += delta;
    if (shared) this.sharedCount += delta;
  }
}
