// Feeds the SessionRegistry from Aedes: CONNECT details (through the connect hook), CONNACK,
// restored and new subscriptions, disconnects and expiry. It also owns a session's end:
// MQTT 3 persistent sessions expire after the listener's session_expiry_interval (Aedes keeps
// them forever), and terminate() ends a session for the kick endpoint.
import { ReasonCode } from './reason-codes.ts';
import type { Client, ConnectPacket, Subscription } from 'aedes';
import type { BrokerHooks } from './hooks.ts';
import type { AedesSeam, InboundObserver } from './aedes-seam.ts';
import type { FlowControl } from './flow-control.ts';
import type { SharedSubscriptions } from './shared-subscriptions.ts';
import type { MqttStore } from '../persistence/mqtt-store.ts';
import { NO_SUBSCRIPTIONS, SessionRegistry, type Qos, type SessionRecord, type SharedMembership } from './sessions.ts';
import { fromInternal, parseShared } from './topics.ts';
import type { TaggedPacket } from './packet.ts';
import { socketOf } from './client-info.ts';

export interface TrackerLimits {
  /** Lifetime of an offline MQTT 3 persistent session, seconds (0 = never expires). */
  v3SessionExpiry: number;
  /** This node's id, written on every session it holds. */
  nodeId: number;
}

/** A server-initiated disconnect for an administrative action (kick). */
const { ADMINISTRATIVE_ACTION } = ReasonCode;
/** Topics only the broker publishes to: $SYS (and Aedes' plumbing under it) and relaymq's own. */
const RESERVED_TOPICS = /^\$(SYS|relaymq)\//;

/** Who a client is, captured at CONNECT: it outlives the connection (wills are authorized after it). */
export interface ClientIdentity { clientid: string; username?: string; ip: string }
/** CONNACK codes that refuse credentials: MQTT 3 bad username/password, not authorized; MQTT 5 0x86, 0x87, 0x8C. */
const AUTH_ERRORS = new Set<number>([4, 5, ReasonCode.BAD_CREDENTIALS, ReasonCode.NOT_AUTHORIZED, ReasonCode.BAD_AUTHENTICATION_METHOD]);
const NEVER_EXPIRES = 0xffffffff;

export class SessionTracker {
  private readonly connects = new WeakMap<Client, ConnectPacket>();
  private readonly identities = new WeakMap<Client, ClientIdentity>();
  private readonly live = new Map<string, Client>();
  private readonly reasons = new WeakMap<Client, string>();
  private readonly terminating = new Map<string, () => void>();
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
  private shuttingDown = false;

  constructor(
    private readonly seam: AedesSeam,
    private readonly store: MqttStore,
    private readonly hooks: BrokerHooks,
    readonly registry: SessionRegistry,
    private readonly flow: FlowControl,
    private readonly shared: SharedSubscriptions,
    private readonly limits: TrackerLimits,
  ) {}

  /** Installs the hooks and event listeners. */
  install(): void {
    const hooks = this.hooks;
    hooks.add('connect', (client, packet) => {
      this.connects.set(client, packet);
      const ip = socketOf(client).remoteAddress;
      this.identities.set(client, { clientid: packet.clientId, username: packet.username, ip });
      hooks.emit('client.connect', {
        clientid: packet.clientId, username: packet.username, ip,
        proto_ver: packet.protocolVersion ?? 4, keepalive: packet.keepalive ?? 0, clean_start: packet.clean !== false,
      });
    });
    // No client publishes to $SYS: Aedes' own plumbing listens there (a forged
    // $SYS/<id>/new/clients would disconnect any client), and $SYS state is the broker's to say.
    hooks.add('authorizePublish', (client, packet) => (client && RESERVED_TOPICS.test(packet.topic) ? 'deny' : 'ignore'), 10);
    hooks.add('forward', (client, packet) => this.flow.forwarded(client, packet));
    const on = this.seam.on.bind(this.seam);
    on('connackSent', (connack: { returnCode?: number; reasonCode?: number; sessionPresent: boolean }, client: Client) => this.onConnack(connack, client));
    on('clientReady', (client: Client) => this.syncSubscriptions(client));
    on('subscribe', (subs: Subscription[], client: Client) => this.onSubscribe(subs, client));
    on('unsubscribe', (topics: string[], client: Client) => this.onUnsubscribe(topics, client));
    on('keepaliveTimeout', (client: Client) => this.reasons.set(client, 'keepalive timeout'));
    on('clientDisconnect', (client: Client) => this.onDisconnect(client));
    on('sessionExpired', (client: Client) => { if (!this.live.has(client.id)) this.forget(client.id, 'expired'); });
  }

  /** Client packets before Aedes handles them: a DISCONNECT is the reason the connection ends. */
  readonly inbound: InboundObserver = (client, packet) => {
    if (packet.cmd === 'disconnect') this.reasons.set(client, 'client disconnected');
  };

  /** Who the client is, as it said at CONNECT (undefined for a client that never sent one). */
  identity(client: Client): ClientIdentity | undefined {
    return this.identities.get(client);
  }

  /** The live connection of a client id on this node, if any. */
  client(clientid: string): Client | undefined {
    const c = this.live.get(clientid);
    return c && !c.closed ? c : undefined;
  }

  counts(client: Client | undefined): { inflight: number; queued: number } {
    return client ? { inflight: this.flow.inflight(client), queued: this.flow.queued(client) } : { inflight: 0, queued: 0 };
  }

  /** A subscription the HTTP API added to an offline session. */
  subscribedOffline(rec: SessionRecord, filter: string, qos: Qos): void {
    this.subscribed(rec, filter, qos);
    this.hooks.emit('session.subscribed', { clientid: rec.clientid, filter, qos });
  }

  /** A subscription the HTTP API removed; true when the session had it. */
  unsubscribedByApi(rec: SessionRecord, filter: string): boolean {
    const removed = this.unsubscribed(rec, filter);
    if (removed) this.hooks.emit('session.unsubscribed', { clientid: rec.clientid, filter });
    return removed;
  }

  /** Records a subscription so that it is listed and routed (and joins its shared group). */
  subscribed(rec: SessionRecord, filter: string, qos: Qos, options: Omit<SharedMembership, 'qos'> = {}): void {
    this.registry.setSubscription(rec, filter, qos);
    const s = parseShared(filter);
    if (!s) return;
    const membership = { ...options, qos };
    this.shared.join(rec.clientid, s.group, s.filter, membership);
    rec.shared = { ...rec.shared, [filter]: membership };
    this.registry.changed(rec);
  }

  unsubscribed(rec: SessionRecord, filter: string): boolean {
    const removed = this.registry.removeSubscription(rec, filter);
    const s = parseShared(filter);
    if (removed && s) {
      this.shared.leave(rec.clientid, s.group, s.filter);
      if (rec.shared) delete rec.shared[filter];
      this.registry.changed(rec);
    }
    return removed;
  }

  /**
   * Ends a session: disconnects the client (MQTT 5: DISCONNECT 0x98) and removes its
   * subscriptions, queued messages and will. Resolves when done.
   */
  async terminate(clientid: string): Promise<void> {
    const client = this.client(clientid);
    if (client) {
      await new Promise<void>((resolve) => {
        this.terminating.set(clientid, resolve);
        this.reasons.set(client, 'kicked');
        client.disconnect({ reasonCode: ADMINISTRATIVE_ACTION }, () => {});
      });
    }
    await this.wipe(clientid);
    this.forget(clientid, 'kicked');
  }

  /** Closes a client's connection (MQTT 5: DISCONNECT 0x98) and keeps its session; `reason` is reported. */
  disconnect(client: Client, reason: string): void {
    this.reasons.set(client, reason);
    client.disconnect({ reasonCode: ADMINISTRATIVE_ACTION }, () => {});
  }

  /** What waits for a connected client (the API's queue and in-flight listings). */
  pending(client: Client) {
    return this.flow.pending(client);
  }

  private onConnack(connack: { returnCode?: number; reasonCode?: number; sessionPresent: boolean }, client: Client): void {
    const code = connack.reasonCode ?? connack.returnCode ?? 0;
    const packet = this.connects.get(client);
    this.connects.delete(client); // a connection answered holds its CONNECT no longer
    this.hooks.emit('client.connack', {
      clientid: packet?.clientId ?? client.id ?? '', username: packet?.username, code, authError: AUTH_ERRORS.has(code), sessionPresent: connack.sessionPresent,
    });
    if (code !== 0 || !packet) return;
    this.cancelExpiry(client.id);
    const now = Date.now();
    const prev = this.registry.get(client.id);
    const resumed = connack.sessionPresent && prev !== undefined;
    const sock = socketOf(client);
    const persistent = client.version === 5 ? client.sessionExpiryInterval > 0 : !client.clean;
    const rec: SessionRecord = {
      clientid: client.id,
      username: packet.username ?? null,
      proto_ver: packet.protocolVersion as 3 | 4 | 5,
      ip_address: sock.remoteAddress, port: sock.remotePort,
      local_address: sock.localAddress, local_port: sock.localPort,
      connected: true, connected_at: now, disconnected_at: null, disconnected_reason: '',
      keepalive: packet.keepalive ?? 0,
      clean_start: packet.clean !== false,
      session_present: connack.sessionPresent,
      expiry_interval: client.version === 5 ? client.sessionExpiryInterval : this.limits.v3SessionExpiry,
      persistent,
      created_at: resumed ? prev.created_at : now,
      last_will: packet.will ? {
        message: Buffer.from(packet.will.payload ?? '').toString('base64'),
        qos: (packet.will.qos ?? 0) as Qos, retain: Boolean(packet.will.retain), topic: packet.will.topic,
      } : null,
      subscriptions: resumed ? prev.subscriptions : NO_SUBSCRIPTIONS,
      shared: resumed ? prev.shared : undefined,
      node_id: this.limits.nodeId,
    };
    if (!resumed && prev) this.dropShared(prev);
    this.registry.put(rec);
    this.live.set(client.id, client);
    this.store.connectedChanged(client.id, true);
    this.hooks.emit(resumed ? 'session.resumed' : 'session.created', { clientid: client.id });
    this.hooks.emit('client.connected', { clientid: client.id, username: packet.username, ip: rec.ip_address, proto_ver: rec.proto_ver });
  }

  /** After CONNACK, Aedes has restored the stored subscriptions into client.subscriptions. */
  private syncSubscriptions(client: Client): void {
    const rec = this.registry.get(client.id);
    if (!rec) return;
    for (const [topic, sub] of Object.entries(client.subscriptions)) this.subscribed(rec, fromInternal(topic), sub.qos as Qos, optionsOf(sub));
  }

  private onSubscribe(subs: Subscription[], client: Client): void {
    const rec = this.registry.get(client.id);
    for (const s of subs) {
      const filter = fromInternal(s.topic);
      if (s.qos < 0x80) {
        if (rec) this.subscribed(rec, filter, s.qos as Qos, optionsOf(s));
        this.hooks.emit('session.subscribed', { clientid: client.id, filter, qos: s.qos });
        continue;
      }
      this.hooks.emit('client.subscribe.error', { clientid: client.id, filter, code: s.qos });
    }
  }

  private onUnsubscribe(topics: string[], client: Client): void {
    const rec = this.registry.get(client.id);
    if (!rec) return;
    for (const t of topics) {
      const filter = fromInternal(t);
      if (this.unsubscribed(rec, filter)) this.hooks.emit('session.unsubscribed', { clientid: client.id, filter });
    }
  }

  /** Seam `closed` observer: a connection Aedes never registered leaves no flow state behind. */
  readonly closed = (client: Client): void => {
    const detached = this.flow.detach(client);
    this.shared.redeliver(client.id, [...detached.unacked, ...detached.queued]);
  };

  private onDisconnect(client: Client): void {
    const detached = this.flow.detach(client);
    if (this.live.get(client.id) !== client) {
      this.shared.redeliver(client.id, [...detached.unacked, ...detached.queued]);
      return;
    }
    this.live.delete(client.id);
    this.store.connectedChanged(client.id, false);
    if (this.seam.takenOverElsewhere(client.id)) return this.movedAway(client, [...detached.unacked, ...detached.queued]);
    const rec = this.registry.get(client.id);
    const reason = this.shuttingDown ? 'server shutting down'
      : this.reasons.get(client) ?? (this.seam.takingOver(client.id) ? 'taken over' : 'connection closed');
    this.hooks.emit('client.disconnected', { clientid: client.id, username: rec?.username ?? undefined, reason });
    // Shared-subscription messages it held go to another member. For a persistent session,
    // Aedes stored every other QoS 1/2 message before delivery: they wait there for its return.
    this.shared.redeliver(client.id, [...detached.unacked, ...detached.queued]);
    const done = this.terminating.get(client.id);
    if (done) {
      this.terminating.delete(client.id);
      return done();
    }
    if (!rec) return;
    // An MQTT 5 DISCONNECT may have changed the Session Expiry Interval [MQTT-3.14.2-2]; Aedes applied it.
    if (client.version === 5) {
      rec.expiry_interval = client.sessionExpiryInterval;
      rec.persistent = client.sessionExpiryInterval > 0;
    }
    if (!rec.persistent) {
      this.forget(client.id, reason);
      return;
    }
    rec.connected = false;
    rec.disconnected_at = Date.now();
    rec.disconnected_reason = reason;
    this.registry.changed(rec);
    this.store.trimQueue(client.id); // offline now: the store bounds its queue
    if (client.version !== 5) this.scheduleExpiry(client.id, this.limits.v3SessionExpiry);
    else if (rec.expiry_interval !== NEVER_EXPIRES) this.scheduleExpiry(client.id, rec.expiry_interval + 1); // Aedes expires it first
  }

  /**
   * The client connected to another node, which resumes its session: this node forgets it without
   * touching what is stored (the other node's now). Shared-subscription messages it held go to
   * another member.
   */
  private movedAway(client: Client, held: TaggedPacket[]): void {
    const rec = this.registry.get(client.id);
    this.hooks.emit('client.disconnected', { clientid: client.id, username: rec?.username ?? undefined, reason: 'taken over' });
    this.shared.redeliver(client.id, held);
    this.release(client.id);
  }

  /**
   * Another node changed or removed a session's stored record. If that node holds the session
   * now, this one forgets its offline copy (a connected client is taken over by Aedes instead).
   */
  remoteChange(clientid: string, rec: SessionRecord | undefined): void {
    if (this.live.has(clientid)) return;
    const mine = this.registry.get(clientid);
    if (mine && (!rec || rec.node_id !== this.limits.nodeId)) this.release(clientid);
  }

  private release(clientid: string): void {
    this.cancelExpiry(clientid);
    // Aedes' own timers too: the session's expiry and a delayed will are the new node's to run
    // (a resumed session cancels its delayed will [MQTT-3.1.3-9]).
    this.seam.forgetSessionTimers(clientid);
    const rec = this.registry.release(clientid);
    if (rec) this.dropShared(rec);
  }

  private scheduleExpiry(clientid: string, seconds: number): void {
    if (seconds <= 0) return;
    this.cancelExpiry(clientid);
    const t = setTimeout(() => {
      this.expiryTimers.delete(clientid);
      if (this.live.has(clientid)) return;
      this.wipe(clientid).finally(() => this.forget(clientid, 'expired'));
    }, Math.min(seconds * 1000, 2 ** 31 - 1));
    t.unref();
    this.expiryTimers.set(clientid, t);
  }

  private cancelExpiry(clientid: string): void {
    clearTimeout(this.expiryTimers.get(clientid));
    this.expiryTimers.delete(clientid);
  }

  /** Removes the session from the registry and from shared-subscription groups. */
  private forget(clientid: string, reason?: string): void {
    this.cancelExpiry(clientid);
    const rec = this.registry.delete(clientid);
    if (!rec) return;
    this.dropShared(rec);
    if (reason) this.hooks.emit('session.terminated', { clientid, reason });
  }


  private dropShared(rec: SessionRecord): void {
    for (const f of Object.keys(rec.subscriptions)) {
      const s = parseShared(f);
      if (s) this.shared.leave(rec.clientid, s.group, s.filter);
    }
  }

  /** Deletes what the store holds for a session: subscriptions, will, queued and incoming QoS 2 messages. */
  private async wipe(clientid: string): Promise<void> {
    const id = { id: clientid };
    await Promise.all([this.store.cleanSubscriptions(id), this.store.delWill(id), this.store.outgoingClear(id), this.store.cleanIncoming(id)]);
  }

  /**
   * Puts back the sessions stored before a restart. Sessions that were connected when the
   * broker stopped are offline now; their subscriptions are read back from Aedes' store, which
   * is the authority on them; each gets what is left of its expiry, or ends now.
   */
  async restore(records: SessionRecord[], reason = 'broker restarted'): Promise<void> {
    const now = Date.now();
    for (const rec of records) {
      rec.node_id = this.limits.nodeId;
      if (!rec.persistent) {
        // A clean session left behind by a crash: it ended with its connection; drop it all.
        this.registry.put(rec);
        this.forget(rec.clientid);
        await this.wipe(rec.clientid);
        continue;
      }
      if (rec.connected) {
        rec.connected = false;
        rec.disconnected_at = now;
        rec.disconnected_reason = reason;
      }
      const stored = await this.store.subscriptionsByClient({ id: rec.clientid });
      rec.subscriptions = NO_SUBSCRIPTIONS;
      rec.shared = undefined;
      this.registry.put(rec);
      for (const s of stored) this.subscribed(rec, fromInternal(s.topic), s.qos as Qos, optionsOf(s));
      const lifetime = rec.proto_ver === 5 ? rec.expiry_interval : this.limits.v3SessionExpiry;
      if (rec.proto_ver === 5 && lifetime === NEVER_EXPIRES) continue;
      if (rec.proto_ver !== 5 && lifetime === 0) continue;
      const left = Math.ceil(lifetime - (now - (rec.disconnected_at ?? now)) / 1000);
      if (left > 0) this.scheduleExpiry(rec.clientid, left);
      else await this.wipe(rec.clientid).finally(() => this.forget(rec.clientid, 'expired'));
    }
  }

  /** Takes a session a dead node held (cluster): offline here from now on, its expiry counted here. */
  async adopt(rec: SessionRecord): Promise<void> {
    if (this.live.has(rec.clientid) || this.registry.get(rec.clientid)) return;
    await this.restore([rec], 'node down');
  }

  /** From now on disconnects are the broker's doing; timers stop. */
  stop(): void {
    this.shuttingDown = true;
    for (const t of this.expiryTimers.values()) clearTimeout(t);
    this.expiryTimers.clear();
  }
}

/** The options a shared-subscription member keeps, from Aedes' or the store's subscription. */
function optionsOf(sub: { rap?: boolean; subscriptionIdentifier?: number; si?: number }): Omit<SharedMembership, 'qos'> {
  return { rap: sub.rap, si: sub.subscriptionIdentifier ?? sub.si };
}
