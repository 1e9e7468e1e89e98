// relaymq as one node of a cluster on Redis (`cluster.type = "redis"`). In two steps, because the
// broker sits between them:
//   open()  connects, reads the shared state into a store (every node holds all of it in memory)
//           and makes the bus Aedes routes through;
//   join()  once the broker and its session tracking exist: registers the node, answers the
//           other nodes' questions, follows the cluster log, and takes over what dead nodes held.
// What is shared: sessions, subscriptions, queued, in-flight and retained messages, wills and
// the node registry. What stays per node: its listeners, its API, its plugins and their config.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { STATS_KEYS } from '../../generated/schema-keys.ts';
import type { Cluster, ClusterNode, SharedState } from '../broker/cluster.ts';
import type { EventFeed } from '../broker/event-feed.ts';
import { ClusterEvents } from './cluster-events.ts';
import type { SessionRecord, SharedMembership } from '../broker/sessions.ts';
import type { SharedSubscriptions } from '../broker/shared-subscriptions.ts';
import type { TaggedPacket } from '../broker/packet.ts';
import type { Stats } from '../broker/stats.ts';
import { MetricsCounter } from '../metrics/counter.ts';
import { CorruptRecord, decodePacket, decodeRecord, encodePacket, parseKey, toStoredPacket, type StoredPacket } from '../persistence/codec.ts';
import { SharedMqttStore } from './shared-mqtt-store.ts';
import { assemble, StoreError, type Store } from '../persistence/open.ts';
import { BackendSessionStore } from '../persistence/session-store.ts';
import { BanStore } from '../persistence/ban-store.ts';
import type { Logger } from '../util/log.ts';
import { ClusterBus } from './bus.ts';
import { NodeRegistry, reapedKey, type NodeRecord } from './node-registry.ts';
import { RedisBackend } from './redis-backend.ts';
import { connectRedis, RedisLog, type LogEntry } from './redis-log.ts';
import { redactUrl } from '../util/redact-url.ts';
import { RemoteNode } from './remote-node.ts';
import { Rpc } from './rpc.ts';

export interface ClusterConfig { redis_url: string }

/** What the cluster needs from the node once it runs. */
export interface NodeParts {
  self: ClusterNode;
  /** A session's stored record changed on another node (undefined: removed). */
  sessionChanged(clientid: string, rec: SessionRecord | undefined): void;
  /** Takes a dead node's persistent session: this node holds it from now on. */
  adopt(rec: SessionRecord): Promise<void>;
  /** Shared-subscription groups, which span the nodes. */
  shared: Pick<SharedSubscriptions, 'usePeers' | 'storedMember' | 'deliverChosen' | 'handOnStored'>;
  /** Another node stored (or removed) a retained message. */
  retainedChanged(topic: string, packet: StoredPacket | undefined): void;
  /** Publishes a will of a client whose node is gone. */
  publishWill(will: StoredPacket): Promise<void>;
  /** What the store shares (any node answers for all), and this node's events (merged with the others'). */
  state: Omit<SharedState, 'events'>;
  events: EventFeed;
}

const REAP_CLAIM_SECONDS = 7 * 24 * 3600;

interface Whereabouts { node: number; connected: boolean; persistent: boolean; shared: Record<string, SharedMembership> }

export class RedisClusterLink {
  readonly bus: ClusterBus;
  private registry?: NodeRegistry;
  private rpc?: Rpc;
  private events?: ClusterEvents;
  private parts?: NodeParts;
  /** Where every session other nodes hold is, from their stored records (and its shared groups). */
  private readonly directory = new Map<string, Whereabouts>();

  private constructor(
    private readonly redis: Redis,
    private readonly log: RedisLog,
    readonly store: Store,
    private readonly mqtt: SharedMqttStore,
    private readonly node: NodeRecord,
    /** The log entry the snapshot was read after: following starts there. */
    private readonly snapshotAt: string,
    private readonly logger: Logger,
    private readonly onFatal: (err: Error) => void,
  ) {
    this.bus = new ClusterBus(log);
  }

  static async open(cfg: ClusterConfig, node: { id: number; name: string }, logger: Logger, onFatal: (err: Error) => void): Promise<RedisClusterLink> {
    let redis: Redis;
    try {
      redis = await connectRedis(cfg.redis_url);
    } catch (e) {
      throw new StoreError((e as Error).message);
    }
    redis.on('error', (err: Error) => logger.debug({ err: err.message }, 'Redis connection error'));
    const record: NodeRecord = { id: node.id, name: node.name, incarnation: randomUUID(), startedAt: Date.now() };
    const log = new RedisLog(redis, record.incarnation, onFatal);
    const backend = new RedisBackend(redis, log);
    await log.attach();
    const mqtt = new SharedMqttStore(backend, await log.sequenceBlock(), record.incarnation);
    const sessions = new BackendSessionStore(backend, (err) => logger.error({ err }, 'session store write failed'));
    const bans = new BanStore(backend);
    const snapshotAt = await log.head();
    let damaged = 0;
    const records: SessionRecord[] = [];
    for await (const [key, value] of log.entries()) {
      try {
        // Session records are the session store's to load; the link keeps where each one is.
        const kind = parseKey(key)?.kind;
        if (kind === 'session') records.push(decodeRecord(value).fields as unknown as SessionRecord);
        else if (kind === 'ban') bans.apply(key, value);
        else mqtt.apply(key, value);
      } catch (e) {
        if (!(e instanceof CorruptRecord)) throw e;
        damaged++;
      }
    }
    if (damaged) logger.warn({ damaged }, 'shared state: records that fail their checksum were skipped');
    logger.info({ redis: redactUrl(cfg.redis_url), node: node.id }, 'cluster state loaded from Redis');
    const link = new RedisClusterLink(redis, log, assemble('redis', backend, mqtt, sessions, bans), mqtt, record, snapshotAt, logger, onFatal);
    for (const rec of records) link.locate(rec.clientid, rec);
    return link;
  }

  /** Sessions this node holds, among the stored ones (the others belong to other nodes). */
  own(records: SessionRecord[]): SessionRecord[] {
    return records.filter((r) => r.node_id === this.node.id);
  }

  /** Registers the node and starts following the cluster; the API can then answer for all nodes. */
  async join(parts: NodeParts): Promise<Cluster> {
    this.parts = parts;
    this.registry = new NodeRegistry(this.redis, this.node, (dead) => void this.reap(dead), this.onFatal);
    await this.registry.register();
    this.rpc = new Rpc(this.redis, parts.self, this.node.incarnation);
    await this.rpc.start();
    parts.shared.usePeers({
      whereIs: (clientid) => {
        const at = this.directory.get(clientid);
        return at && at.node !== this.node.id && this.registry!.isAlive(at.node) ? at : undefined;
      },
      send: async (clientid, group, packet) => {
        const at = this.directory.get(clientid);
        if (at) await this.log.publishTo(at.node, clientid, group, encodePacket(toStoredPacket(packet)));
      },
    });
    for (const [clientid, at] of this.directory) this.joinGroups(clientid, undefined, at);
    this.log.follow(this.snapshotAt, (entry) => this.apply(entry));
    // Wills left by this node's previous run (a crash): nobody else publishes those.
    void this.publishOrphanWills((w) => w.brokerId === this.node.name && w.incarnation !== this.node.incarnation);
    this.events = new ClusterEvents(this.redis, parts.events, this.node.id);
    await this.events.start();
    return new RedisCluster(parts.self, this.registry, this.rpc, { ...parts.state, events: this.events });
  }

  /** Waits until this node has applied every change made anywhere so far (before a session resumes). */
  barrier(): Promise<void> {
    return this.log.barrier();
  }

  async close(): Promise<void> {
    await this.registry?.stop();
    await this.rpc?.close();
    await this.events?.close();
    await this.log.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private apply(entry: LogEntry): void {
    for (const op of entry.ops) {
      const value = op.type === 'put' ? op.value : undefined;
      const k = parseKey(op.key);
      if (k?.kind === 'session') {
        const rec = value && (decodeRecord(value).fields as unknown as SessionRecord);
        this.locate(k.clientId, rec);
        this.parts?.sessionChanged(k.clientId, rec);
        continue;
      }
      if (k?.kind === 'ban') {
        this.store.bans.apply(op.key, value);
        continue;
      }
      this.mqtt.apply(op.key, value);
      if (k?.kind === 'retained') this.parts?.retainedChanged(k.rest, value && decodePacket(value));
    }
    for (const { topic, message } of entry.messages) this.bus.deliver(topic, message);
    // A shared-subscription member, chosen by the node the message entered: its node delivers.
    const c = entry.chosen;
    if (c?.node === this.node.id) this.parts?.shared.deliverChosen(c.clientid, c.group, { cmd: 'publish', ...decodePacket(c.message) } as unknown as TaggedPacket);
  }

  private locate(clientid: string, rec: SessionRecord | undefined): void {
    const before = this.directory.get(clientid);
    const now = rec?.node_id === undefined ? undefined
      : { node: rec.node_id, connected: rec.connected, persistent: rec.persistent, shared: rec.shared ?? {} };
    if (now) this.directory.set(clientid, now);
    else this.directory.delete(clientid);
    if (this.parts) this.joinGroups(clientid, before, now);
  }

  /** Tells the shared groups what changed in a session's memberships held elsewhere. */
  private joinGroups(clientid: string, before: Whereabouts | undefined, now: Whereabouts | undefined): void {
    const held = (w?: Whereabouts) => (w && w.node !== this.node.id ? w.shared : {});
    const [was, is] = [held(before), held(now)];
    for (const filter of Object.keys(was)) if (!(filter in is)) this.parts!.shared.storedMember(clientid, filter, undefined);
    for (const [filter, options] of Object.entries(is)) this.parts!.shared.storedMember(clientid, filter, options);
  }

  /**
   * A node stopped heart-beating: one survivor (the first to claim it) publishes the wills of its
   * clients and takes its persistent sessions, which stay resumable on every node.
   */
  private async reap(dead: NodeRecord): Promise<void> {
    const claimed = await this.redis.set(reapedKey(dead.incarnation), this.node.incarnation, 'EX', REAP_CLAIM_SECONDS, 'NX').catch(() => null);
    if (claimed !== 'OK') return;
    this.logger.warn({ node: dead.id, name: dead.name }, 'node stopped heart-beating: taking over its sessions and publishing its wills');
    try {
      // Wills first: taking a clean session over ends it, and its will with it.
      await this.publishOrphanWills((w) => w.incarnation === dead.incarnation || (w.brokerId === dead.name && !this.registry!.isLiveIncarnation(String(w.incarnation))));
      for (const rec of await this.store.sessions.load()) {
        if (rec.node_id !== dead.id) continue;
        // What its shared groups gave it goes to the members still there (before taking a
        // clean session over ends it).
        if (Object.keys(rec.shared ?? {}).length) await this.parts!.shared.handOnStored(rec.clientid);
        await this.parts!.adopt(rec);
      }
    } catch (err) {
      this.logger.error({ err, node: dead.id }, 'taking over a dead node failed');
    }
  }

  /** Publishes each will matching `orphan` once cluster-wide (the first node to claim it). */
  private async publishOrphanWills(orphan: (w: StoredPacket) => boolean): Promise<void> {
    const wills = [...this.mqtt.storedWills()].filter(orphan).map((w) => ({ ...w }));
    for (const will of wills) {
      // One will of one connection: its client id and the run of the node that stored it.
      const claim = `relaymq:will-claim:${will.incarnation}:${will.clientId}`;
      const won = await this.redis.set(claim, this.node.incarnation, 'EX', REAP_CLAIM_SECONDS, 'NX').catch(() => null);
      if (won !== 'OK') continue;
      try {
        await this.parts!.publishWill(will);
      } catch (err) {
        this.logger.error({ err, clientid: will.clientId }, 'will of a dead node not published');
      }
    }
  }
}

export class RedisCluster implements Cluster {
  private readonly zero = {
    stats: () => Object.fromEntries(STATS_KEYS.map((k) => [k, 0])) as unknown as Stats,
    metrics: () => new MetricsCounter().snapshot(),
  };

  readonly retained: SharedState['retained'];
  readonly bans: SharedState['bans'];
  readonly events: SharedState['events'];

  constructor(private readonly self: ClusterNode, private readonly registry: NodeRegistry, private readonly rpc: Rpc, state: SharedState) {
    ({ retained: this.retained, bans: this.bans, events: this.events } = state);
  }

  async nodes(): Promise<ClusterNode[]> {
    return this.registry.nodes().map((r) => this.wrap(r));
  }

  async node(id: number): Promise<ClusterNode | undefined> {
    const r = this.registry.nodes().find((n) => n.id === id);
    return r && this.wrap(r);
  }

  local(): ClusterNode {
    return this.self;
  }

  private wrap(r: NodeRecord): ClusterNode {
    return r.id === this.self.id ? this.self : new RemoteNode(r, this.registry.isAlive(r.id), this.rpc, this.zero);
  }
}
